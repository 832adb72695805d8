import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLayout } from '../../../src/base/layout.js';
import { GO_LINUX_PLATFORMS } from '../../../src/build/all-platforms.js';
import { assertValid, formatPlatform } from '../../../src/oci/index.js';
import { HELLO_DIR } from '../../go/go-fixtures.js';
import { tempDir } from '../../helpers/tmp.js';
import { plain, runCli } from '../build-helpers.js';

describe('minnow build --base scratch --platform all (real CLI, real go)', () => {
  it('writes an index with one image per platform of the Go Linux set, each with its own binary', async () => {
    const out = join(await tempDir(), 'all');
    // With a cold Go cache this compiles the standard library eight times (about two minutes on two cores).
    const r = await runCli([
      'build',
      HELLO_DIR,
      '--base',
      'scratch',
      '--platform',
      'all',
      '-o',
      `oci:${out}`,
      '--json',
    ]);
    expect(plain(r.stderr)).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { platforms: string[] };
    const expected = GO_LINUX_PLATFORMS.map(formatPlatform);
    expect(expected).toHaveLength(8);
    expect(summary.platforms).toEqual(expected);
    const target = await readLayout(out);
    if (target.kind !== 'index') throw new Error('expected an index');
    await assertValid(target.index);
    const manifests = (await target.index.indexManifest()).manifests;
    expect(manifests.map((d) => formatPlatform(d.platform!))).toEqual(expected);
    // Eight different binaries: each platform was compiled for, not copied.
    const appLayers = await Promise.all(
      manifests.map(async (d) => (await (await target.index.image(d)).manifest()).layers.at(-1)?.digest),
    );
    expect(new Set(appLayers).size).toBe(8);
  }, 300_000);
});
