import { describe, expect, it } from 'vitest';
import { compareImages, describeDifference } from '../../src/build/compare-images.js';
import { gzipCompression, indexOf, writeLayer, type Image, type LayerEntry } from '../../src/oci/index.js';
import { testImage } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

const files = (hello: string, mode = 0o555): LayerEntry[] => [
  { type: 'file', path: '/app/a.txt', source: Buffer.from('same') },
  { type: 'file', path: '/app/hello', source: Buffer.from(hello), mode },
  { type: 'file', path: '/app/z.txt', source: Buffer.from('same too') },
];

const image = (dir: string, entries: LayerEntry[], user?: string): Promise<Image> =>
  testImage(dir, entries, user ? { user } : undefined);

describe('compareImages', () => {
  it('finds nothing between two identical builds', async () => {
    const dir = await tempDir();
    const a = await image(dir, files('v1'));
    const b = await image(dir, files('v1'));
    expect(await compareImages({ kind: 'image', image: a }, { kind: 'image', image: b })).toBeUndefined();
  });

  it('names the first differing file and how it differs', async () => {
    const dir = await tempDir();
    const a = await image(dir, files('v1'));
    const b = await image(dir, files('v2'));
    const d = await compareImages({ kind: 'image', image: a }, { kind: 'image', image: b });
    expect(d).toMatchObject({ part: 'layer', layer: 0, path: '/app/hello' });
    expect(d?.detail).toMatch(/^content differs/);
    const m = await compareImages(
      { kind: 'image', image: a },
      { kind: 'image', image: await image(dir, files('v1', 0o755)) },
    );
    expect(m).toMatchObject({ path: '/app/hello', detail: 'mode 555 vs 755' });
  });

  it('reports an extra file and an mtime difference', async () => {
    const dir = await tempDir();
    const a = await image(dir, files('v1'));
    const b = await image(dir, [...files('v1'), { type: 'file', path: '/app/zz', source: Buffer.from('') }]);
    expect(await compareImages({ kind: 'image', image: a }, { kind: 'image', image: b })).toMatchObject({
      path: '/app/zz',
      detail: 'only in the second build',
    });
    const l1 = await writeLayer(files('v1'), { blobDir: dir, mtime: 0 });
    const l2 = await writeLayer(files('v1'), { blobDir: dir, mtime: 1_700_000_000 });
    const { compareLayers } = await import('../../src/build/compare-layers.js');
    expect((await compareLayers(l1.layer, l2.layer))?.detail).toMatch(
      /^mtime 1970-01-01T00:00:00.000Z vs 2023/,
    );
  });

  it('tells a gzip difference from a tar difference', async () => {
    const dir = await tempDir();
    const l1 = await writeLayer(files('x'.repeat(5000)), {
      blobDir: dir,
      mtime: 0,
      compression: gzipCompression(1),
    });
    const l2 = await writeLayer(files('x'.repeat(5000)), {
      blobDir: dir,
      mtime: 0,
      compression: gzipCompression(9),
    });
    expect(l1.digest).not.toBe(l2.digest);
    const { compareLayers } = await import('../../src/build/compare-layers.js');
    expect(await compareLayers(l1.layer, l2.layer)).toMatchObject({ path: '(compression)' });
  });

  it('falls back to the first differing config field', async () => {
    const dir = await tempDir();
    const a = await image(dir, files('v1'), '65532');
    const b = await image(dir, files('v1'), '0');
    expect(await compareImages({ kind: 'image', image: a }, { kind: 'image', image: b })).toMatchObject({
      part: 'config',
      path: 'config.User',
      detail: '"65532" vs "0"',
    });
  });

  it('names the platform inside an index', async () => {
    const dir = await tempDir();
    const amd = await image(dir, files('amd'));
    const arm1 = await image(dir, files('arm-1'));
    const arm2 = await image(dir, files('arm-2'));
    const amd64 = { os: 'linux', architecture: 'amd64' };
    const arm64 = { os: 'linux', architecture: 'arm64' };
    const a = await indexOf([
      { image: amd, platform: amd64 },
      { image: arm1, platform: arm64 },
    ]);
    const b = await indexOf([
      { image: amd, platform: amd64 },
      { image: arm2, platform: arm64 },
    ]);
    const d = await compareImages({ kind: 'index', index: a }, { kind: 'index', index: b });
    expect(d && describeDifference(d)).toMatch(/^linux\/arm64 layer 0 \/app\/hello: content differs/);
  });
});
