import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLayout } from '../../../src/base/layout.js';
import { HELLO_DIR } from '../../go/go-fixtures.js';
import { saveEnv } from '../../helpers/env.js';
import { tempDir } from '../../helpers/tmp.js';
import { plain, runCli } from '../build-helpers.js';

/** The app layer (the last one) of the image in an OCI layout: its compressed size and diff_id. */
async function appLayerOf(dir: string): Promise<{ size: number; diffId: string }> {
  const target = await readLayout(dir);
  if (target.kind !== 'image') throw new Error('want an image');
  const layers = await target.image.layers();
  const app = layers[layers.length - 1]!;
  return { size: await app.size(), diffId: await app.diffId() };
}

describe('minnow build --compression-level (real CLI, real go)', () => {
  it('compresses the same tar at the level asked for, and refuses a level outside 1-9 with exit 2', async () => {
    const dir = await tempDir();
    const cache = join(dir, 'cache');
    const restore = saveEnv('MINNOW_CACHE_DIR');
    process.env.MINNOW_CACHE_DIR = cache;
    try {
      const fast = await runCli([
        'build',
        HELLO_DIR,
        '-o',
        `oci:${join(dir, 'l1')}`,
        '--compression-level',
        '1',
        '-q',
      ]);
      expect(fast.code).toBe(0);
      const normal = await runCli(['build', HELLO_DIR, '-o', `oci:${join(dir, 'l6')}`, '-q']);
      expect(normal.code).toBe(0);
      const [l1, l6] = [await appLayerOf(join(dir, 'l1')), await appLayerOf(join(dir, 'l6'))];
      expect(l1.diffId).toBe(l6.diffId);
      expect(l1.size).toBeGreaterThan(l6.size);

      const bad = await runCli([
        'build',
        HELLO_DIR,
        '-o',
        `oci:${join(dir, 'l0')}`,
        '--compression-level',
        '0',
      ]);
      expect(bad.code).toBe(2);
      expect(plain(bad.stderr)).toContain('gzip levels are 1 to 9, got 0');
    } finally {
      restore();
    }
  }, 300_000);
});
