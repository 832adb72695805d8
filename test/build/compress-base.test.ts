import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { compressBase, gzipPlainLayer } from '../../src/build/compress-base.js';
import { isMinnowError } from '../../src/errors.js';
import {
  fileLayer,
  gzipCompression,
  MediaType,
  sha256,
  sniffCompression,
  type Digest,
  type Layer,
} from '../../src/oci/index.js';
import { tempDir } from '../helpers/tmp.js';

/** A small plain tar with a few compressible files. */
async function plainTar(): Promise<Buffer> {
  const pack = tar.pack();
  for (let i = 0; i < 8; i++) {
    pack.entry({ name: `etc/file-${i}`, mode: 0o644, mtime: new Date(0) }, `line ${i}\n`.repeat(2000));
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function plainLayer(dir: string, data: Buffer, digest: Digest = sha256(data)): Promise<Layer> {
  const path = join(dir, `plain-${Math.random().toString(16).slice(2)}.tar`);
  await writeFile(path, data);
  return fileLayer(path, { digest, diffId: digest, size: data.length, mediaType: MediaType.OciLayer });
}

async function bytesOf(layer: Layer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await layer.compressed()) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('gzipPlainLayer', () => {
  it('gzips a plain tar deterministically, keeping its diff_id, and caches the result', async () => {
    const dir = await tempDir();
    const data = await plainTar();
    const layer = await plainLayer(dir, data);
    const cacheA = join(dir, 'cache-a');
    const gz = await gzipPlainLayer(layer, { cacheDir: cacheA });
    if (!gz) throw new Error('expected a gzip layer');
    expect(await gz.layer.mediaType()).toBe(MediaType.OciLayerGzip);
    expect(await gz.layer.diffId()).toBe(sha256(data));
    expect(gz.uncompressedSize).toBe(data.length);
    const blob = await bytesOf(gz.layer);
    expect(sniffCompression(blob)).toBe('gzip');
    expect(blob[9]).toBe(3); // OS byte: Unix
    expect(blob.readUInt32LE(4)).toBe(0); // no timestamp
    expect(await gz.layer.digest()).toBe(sha256(blob));
    expect(await gz.layer.size()).toBe(blob.length);
    expect(blob.length).toBeLessThan(data.length / 4);
    expect(gunzipSync(blob).equals(data)).toBe(true);

    // A second cache dir compresses afresh and gets the same bytes.
    const again = await gzipPlainLayer(layer, { cacheDir: join(dir, 'cache-b') });
    expect(await again?.layer.digest()).toBe(await gz.layer.digest());

    // A cache hit does not read the source at all: the source may even be gone.
    await rm(join(dir, 'cache-b'), { recursive: true });
    const sourceGone = fileLayer(join(dir, 'missing.tar'), {
      digest: sha256(data),
      diffId: sha256(data),
      size: data.length,
      mediaType: MediaType.OciLayer,
    });
    const hit = await gzipPlainLayer(sourceGone, { cacheDir: cacheA });
    expect(await hit?.layer.digest()).toBe(await gz.layer.digest());
  });

  it('keeps one cache record per compression: another level or algorithm is not served the gzip-6 blob', async () => {
    const dir = await tempDir();
    const layer = await plainLayer(dir, await plainTar());
    const cacheDir = join(dir, 'cache');
    const six = await gzipPlainLayer(layer, { cacheDir });
    const one = await gzipPlainLayer(layer, { cacheDir, compression: gzipCompression(1) });
    expect(await one?.layer.digest()).not.toBe(await six?.layer.digest());
    expect(await one?.layer.diffId()).toBe(await six?.layer.diffId());
    const records = (await readdir(join(cacheDir, 'gzip-layers'))).filter((n) => n.startsWith('records-'));
    expect(records).toHaveLength(2);
    // Both are served from the cache afterwards, each to its own compression.
    expect(await (await gzipPlainLayer(layer, { cacheDir }))?.layer.digest()).toBe(await six?.layer.digest());
    expect(
      await (await gzipPlainLayer(layer, { cacheDir, compression: gzipCompression(1) }))?.layer.digest(),
    ).toBe(await one?.layer.digest());
  });

  it('recompresses when the cached blob is damaged, and never returns it', async () => {
    const dir = await tempDir();
    const data = await plainTar();
    const layer = await plainLayer(dir, data);
    const cacheDir = join(dir, 'cache');
    const gz = await gzipPlainLayer(layer, { cacheDir });
    const digest = (await gz?.layer.digest()) as Digest;
    const blobPath = join(cacheDir, 'gzip-layers', 'blobs', 'sha256', digest.slice('sha256:'.length));
    const blob = await readFile(blobPath);
    blob[blob.length - 20] = (blob[blob.length - 20] as number) ^ 0xff;
    await writeFile(blobPath, blob);
    const again = await gzipPlainLayer(layer, { cacheDir });
    expect(await again?.layer.digest()).toBe(digest);
    expect(sha256(await bytesOf(again?.layer as Layer))).toBe(digest);
  });

  it('fails with DIGEST_MISMATCH when the source does not hash to its digest, leaving nothing behind', async () => {
    const dir = await tempDir();
    const data = await plainTar();
    const wrong = sha256(Buffer.concat([data, Buffer.from('x')]));
    const layer = await plainLayer(dir, data, wrong);
    const cacheDir = join(dir, 'cache');
    let caught: unknown;
    try {
      await gzipPlainLayer(layer, { cacheDir });
    } catch (err) {
      caught = err;
    }
    expect(isMinnowError(caught, 'DIGEST_MISMATCH')).toBe(true);
    const blobs = await readdir(join(cacheDir, 'gzip-layers', 'blobs', 'sha256')).catch(() => []);
    expect(blobs).toEqual([]);
  });

  it('keeps a layer whose bytes are already compressed despite a plain media type', async () => {
    const dir = await tempDir();
    const data = await plainTar();
    const gz = await gzipPlainLayer(await plainLayer(dir, data), { cacheDir: join(dir, 'c1') });
    const blob = await bytesOf(gz?.layer as Layer);
    const mislabelled = await plainLayer(dir, blob);
    expect(await gzipPlainLayer(mislabelled, { cacheDir: join(dir, 'c2') })).toBeUndefined();
  });
});

describe('compressBase', () => {
  it('leaves an image without plain layers untouched', async () => {
    const { alpineBase } = await import('../helpers/fixture-images.js');
    const image = await alpineBase();
    const dir = await tempDir();
    expect(await compressBase(image, { cacheDir: dir })).toBe(image);
  });
});
