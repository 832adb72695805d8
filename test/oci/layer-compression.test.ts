import { readFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { GZIP_MEMBER_ENGINE } from '../../src/util/gzip-engine.js';
import { describe, expect, it } from 'vitest';
import { cachedLayer } from '../../src/base/layer-cache.js';
import {
  emptyImage,
  gzipCompression,
  MediaType,
  mutate,
  parallelGzipCompression,
  sha256,
  validateImage,
  writeLayer,
  type LayerCompression,
  type LayerEntry,
} from '../../src/oci/index.js';
import { hostPlatform } from '../../src/oci/platform.js';
import { tempDir } from '../helpers/tmp.js';

const entries: LayerEntry[] = [
  { type: 'file', path: '/app/data', source: Buffer.from('minnow '.repeat(4000)), mode: 0o444 },
];

/** A compression that writes the tar as it is: shows the writer takes its bytes and media type from the value. */
const plain: LayerCompression = {
  mediaType: MediaType.OciLayer,
  key: 'none',
  create: () => new PassThrough(),
};

describe('layer compression as a value', () => {
  it('the writer uses the media type and the stream of the compression it is given', async () => {
    const dir = await tempDir();
    const w = await writeLayer(entries, { blobDir: dir, mtime: 0, compression: plain });
    expect(await w.layer.mediaType()).toBe(MediaType.OciLayer);
    const blob = await readFile(w.path);
    // An uncompressed layer's digest is its diff_id: nothing patched a gzip header into it.
    expect(w.digest).toBe(w.diffId);
    expect(sha256(blob)).toBe(w.digest);
    const image = await mutate(emptyImage(hostPlatform()), { layers: [{ layer: w.layer }] });
    expect(await validateImage(image)).toEqual([]);
  });

  it('gzip strategies write gzip with mtime 0 and the Unix OS byte, at any level and chunk size', async () => {
    const dir = await tempDir();
    for (const compression of [gzipCompression(9), parallelGzipCompression({ level: 6, chunkSize: 8192 })]) {
      const w = await writeLayer(entries, { blobDir: dir, mtime: 0, compression });
      const blob = await readFile(w.path);
      expect(w.size).toBe(blob.length);
      expect([...blob.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, blob[8], 3]);
      expect(sha256(gunzipSync(blob))).toBe(w.diffId);
      expect(await w.layer.mediaType()).toBe(MediaType.OciLayerGzip);
    }
  });

  it('keys say everything that decides the bytes', () => {
    const keys = [
      gzipCompression(9).key,
      gzipCompression(6).key,
      parallelGzipCompression({ level: 5 }).key,
      parallelGzipCompression({ level: 6, chunkSize: 1 << 17 }).key,
    ];
    expect(new Set(keys).size).toBe(keys.length);
    // The same bytes, the same key: a one-off layer at 6 is what the default members at 6 are.
    expect(gzipCompression(6).key).toBe(parallelGzipCompression({ level: 6 }).key);
    // libdeflate's version, never Node's zlib: the bytes are the same whatever Node runs.
    expect(keys.every((k) => k.includes(GZIP_MEMBER_ENGINE) && !k.includes('zlib'))).toBe(true);
  });

  it('the base-layer cache gives a layer back only to the compression that wrote it', async () => {
    const cacheDir = await tempDir();
    const gz = await cachedLayer(entries, { cacheDir, mtime: 0 });
    expect(gz.hit).toBe(false);
    expect((await cachedLayer(entries, { cacheDir, mtime: 0 })).hit).toBe(true);
    const other = await cachedLayer(entries, { cacheDir, mtime: 0, compression: plain });
    expect(other.hit).toBe(false);
    expect(await other.layer.mediaType()).toBe(MediaType.OciLayer);
    expect(await other.layer.diffId()).toBe(await gz.layer.diffId());
    const level1 = await cachedLayer(entries, { cacheDir, mtime: 0, compression: gzipCompression(1) });
    expect(level1.hit).toBe(false);
    expect(await level1.layer.digest()).not.toBe(await gz.layer.digest());
    expect((await cachedLayer(entries, { cacheDir, mtime: 0, compression: plain })).hit).toBe(true);
  });
});
