import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { MergedFilesystem } from '../../src/analyze/filesystem.js';
import { readLayer } from '../../src/analyze/read-layer.js';
import { descriptorLayer, MediaType, sha256, type Layer } from '../../src/oci/index.js';

/** A layer stored uncompressed, as the Engine and `docker save` keep them. */
async function plainLayer(
  files: Array<[string, Buffer | string]> = [['data.txt', 'minnow '.repeat(150_000)]],
): Promise<{ layer: Layer; tar: Buffer }> {
  const pack = tar.pack();
  for (const [name, data] of files) pack.entry({ name, mode: 0o444 }, data);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  const bytes = Buffer.concat(chunks);
  const digest = sha256(bytes);
  const layer = descriptorLayer(
    { mediaType: MediaType.OciLayer, digest, size: bytes.length },
    digest,
    async () => Readable.from([bytes]),
  );
  return { layer, tar: bytes };
}

describe('readLayer on an uncompressed layer', () => {
  it('reports the stored size by default', async () => {
    const { layer, tar: bytes } = await plainLayer();
    const r = await readLayer(layer, 0, new MergedFilesystem(), new Map());
    expect(r.compression).toBe('none');
    expect(r.compressedSize).toBe(bytes.length);
    expect(r.compressedEstimated).toBeUndefined();
  });

  it('estimates what a push would gzip it to when asked', async () => {
    const { layer, tar: bytes } = await plainLayer();
    const r = await readLayer(layer, 0, new MergedFilesystem(), new Map(), { estimateCompressed: true });
    const want = gzipSync(bytes, { level: 6 }).length;
    expect(r.compressedEstimated).toBe(true);
    expect(r.uncompressedSize).toBe(bytes.length);
    expect(Math.abs(r.compressedSize - want)).toBeLessThan(want * 0.01 + 64);
    expect(r.compressedSize).toBeLessThan(bytes.length / 10);
  });

  it('samples a large layer and lands within a few percent of a full gzip', async () => {
    // 24 MiB like a Debian layer: text, binaries (random) and zeros, interleaved so every sample sees a mix.
    const files: Array<[string, Buffer]> = [];
    for (let i = 0; i < 48; i++) {
      const kind = i % 3;
      const data =
        kind === 0
          ? Buffer.from(
              Array.from({ length: 12_000 }, (_, n) => `line ${n} of file ${i}: lorem ipsum\n`)
                .join('')
                .slice(0, 512 * 1024),
            )
          : kind === 1
            ? randomBytes(512 * 1024)
            : Buffer.alloc(512 * 1024);
      files.push([`f${i}`, data]);
    }
    const { layer, tar: bytes } = await plainLayer(files);
    const r = await readLayer(layer, 0, new MergedFilesystem(), new Map(), { estimateCompressed: true });
    const want = gzipSync(bytes, { level: 6 }).length;
    expect(r.compressedEstimated).toBe(true);
    expect(Math.abs(r.compressedSize - want) / want).toBeLessThan(0.05);
  });
});
