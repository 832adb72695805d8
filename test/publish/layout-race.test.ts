import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLayout } from '../../src/base/layout.js';
import { validateImage } from '../../src/oci/index.js';
import { writeLayout } from '../../src/publish/layout.js';
import { testImage } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

describe('parallel builds writing the same new OCI layout', () => {
  it('all succeed, no entry is lost, and every image is readable and valid', async () => {
    const dir = await tempDir();
    const images = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        testImage(join(dir, `src-${i}`), [
          { type: 'file', path: `/f${i}`, source: Buffer.from(`image ${i}`) },
        ]),
      ),
    );
    const out = join(dir, 'layout');
    const results = await Promise.all(
      images.map((image, i) => writeLayout(out, { kind: 'image', image }, { tag: `t${i}` })),
    );
    expect(results.map((r) => r.path)).toEqual(images.map(() => out));
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { manifests: unknown[] };
    expect(index.manifests).toHaveLength(images.length);
    for (let i = 0; i < images.length; i++) {
      const got = await readLayout(out, { tag: `t${i}` });
      expect(got.kind).toBe('image');
      if (got.kind === 'image') expect(await validateImage(got.image)).toEqual([]);
    }
  });
});
