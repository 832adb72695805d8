import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parallelGzipCompression } from '../../src/oci/gzip-compression.js';
import { createParallelGzip } from '../../src/util/parallel-gzip.js';
import {
  assertValid,
  decompress,
  emptyImage,
  hostPlatform,
  mutate,
  writeLayer,
} from '../../src/oci/index.js';
import { tempDir } from '../helpers/tmp.js';
import { join } from 'node:path';

async function gz(data: Buffer, chunk: number, pieces = 7): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < pieces; i++)
    parts.push(data.subarray((i * data.length) / pieces, ((i + 1) * data.length) / pieces));
  return buffer(Readable.from(parts).pipe(createParallelGzip({ chunkSize: chunk, concurrency: 3 })));
}

describe('createParallelGzip', () => {
  it('round-trips through zlib and Node, is deterministic, and writes mtime 0 and OS byte 3', async () => {
    const data = Buffer.concat([randomBytes(300_000), Buffer.alloc(500_000, 7), randomBytes(12_345)]);
    const a = await gz(data, 64 * 1024);
    const b = await gz(data, 64 * 1024, 3);
    expect(b.equals(a)).toBe(true);
    expect(gunzipSync(a).equals(data)).toBe(true);
    expect((await buffer(await decompress(Readable.from([a])))).equals(data)).toBe(true);
    // Every member header: magic, deflate, mtime 0, OS 3.
    expect(a.subarray(0, 4)).toEqual(Buffer.from([0x1f, 0x8b, 8, 0]));
    expect(a.readUInt32LE(4)).toBe(0);
    expect(a[9]).toBe(3);
  });

  it('gives one valid member for empty input', async () => {
    const out = await buffer(Readable.from([]).pipe(createParallelGzip()));
    expect(gunzipSync(out).length).toBe(0);
  });

  it('makes layers that validate (digest and diff_id in one pass)', async () => {
    const dir = await tempDir();
    const written = await writeLayer(
      [{ type: 'file', path: '/app/blob', source: randomBytes(3 << 20), mode: 0o555 }],
      {
        blobDir: join(dir, 'blobs'),
        mtime: 0,
        compression: parallelGzipCompression({ chunkSize: 1 << 20 }),
      },
    );
    const image = await mutate(emptyImage(hostPlatform()), { layers: [{ layer: written.layer }] });
    await assertValid(image);
  });
});
