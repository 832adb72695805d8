import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  createZstdCompress,
  decompress,
  emptyImage,
  MediaType,
  mutate,
  sha256,
  validateImage,
  writeLayer,
  ZSTD_FRAME,
  zstdCompression,
} from '../../src/oci/index.js';
import { hostPlatform } from '../../src/oci/platform.js';
import { compressFrame, fastFrames } from '../../src/util/zstd-frame.js';
import { tempDir } from '../helpers/tmp.js';

/** Deterministic, partly compressible bytes (a linear congruential generator, masked every few bytes). */
function sample(size: number): Buffer {
  const out = Buffer.alloc(size);
  let x = 7;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = (x >>> 24) & (i % 16 === 0 ? 0xff : 0x03);
  }
  return out;
}

/** Small frames keep the tests quick; the default size is covered by the pinned digest and writeLayer. */
const FRAME = 256 * 1024;

const zstdOf = async (data: Buffer, level?: number, pieces = 7, frame = FRAME): Promise<Buffer> => {
  const step = Math.ceil(data.length / pieces) || 1;
  const parts = Array.from({ length: pieces }, (_, i) => data.subarray(i * step, (i + 1) * step));
  return buffer(Readable.from(parts).pipe(createZstdCompress(level, frame)));
};

describe('zstd layers', () => {
  it('writes several frames that minnow and the zstd tool both read back exactly', async () => {
    const data = sample(FRAME * 3 + 12345);
    const out = await zstdOf(data, 3);
    expect(out.readUInt32LE(0)).toBe(0xfd2fb528);
    expect(out.length).toBeLessThan(data.length * 0.8);
    expect((await buffer(await decompress(Readable.from([out])))).equals(data)).toBe(true);
    const dir = await tempDir();
    const file = `${dir}/layer.zst`;
    await import('node:fs/promises').then((fs) => fs.writeFile(file, out));
    const { stdout } = await promisify(execFile)('zstd', ['-dc', file], {
      encoding: 'buffer',
      maxBuffer: 64 << 20,
    });
    expect(sha256(stdout)).toBe(sha256(data));
  });

  it('gives the same bytes however the input is cut and whatever Node runs it (pinned digest)', async () => {
    const data = sample(1 << 20);
    const a = await zstdOf(data, 9, 1, ZSTD_FRAME);
    const b = await zstdOf(data, 9, 13, ZSTD_FRAME);
    expect(sha256(a)).toBe(sha256(b));
    // The encoder is WebAssembly from the npm package, not Node's zlib: this digest holds on Node 20, 22 and 24.
    expect(sha256(a)).toBe(PINNED_LEVEL_9);
  });

  it('layers compressed at the same time do not disturb each other', async () => {
    const x = sample(FRAME * 4 + 999);
    const y = Buffer.from(sample(FRAME * 5).map((v) => v ^ 0x55));
    const [cx, cy] = await Promise.all([zstdOf(x, 3, 40), zstdOf(y, 3, 40)]);
    expect(sha256(cx)).toBe(sha256(await zstdOf(x, 3, 1)));
    expect(sha256(cy)).toBe(sha256(await zstdOf(y, 3, 1)));
  });

  it("makes frames byte for byte as the package's own compress does, by its fast way", async () => {
    const { Zstd } = await import('@hpcc-js/wasm-zstd');
    const encoder = await Zstd.load();
    // A release that changes the internals this takes would leave it on the slow way: look at it then.
    expect(fastFrames(encoder)).toBe(true);
    // The last input grows the WebAssembly heap while its frame is made.
    for (const [data, level] of [
      [Buffer.alloc(0), 3],
      [sample(100_000), 1],
      [sample(FRAME * 3 + 17), 3],
      [sample(ZSTD_FRAME + 4096), 9],
    ] as const) {
      const own = encoder.compress(data, level);
      expect(sha256(compressFrame(encoder, data, level))).toBe(sha256(Buffer.from(own)));
    }
  });

  it('an empty input is one empty frame', async () => {
    const out = await zstdOf(Buffer.alloc(0));
    expect(out.length).toBeGreaterThan(0);
    expect((await buffer(await decompress(Readable.from([out])))).length).toBe(0);
  });

  it('writeLayer makes a valid zstd layer with its media type, and the level is in the key', async () => {
    const dir = await tempDir();
    const w = await writeLayer([{ type: 'file', path: '/app/x', source: sample(300_000), mode: 0o555 }], {
      blobDir: dir,
      mtime: 0,
      compression: zstdCompression(19),
    });
    expect(w.layer && (await w.layer.mediaType())).toBe(MediaType.OciLayerZstd);
    expect(sha256(await readFile(w.path))).toBe(w.digest);
    const image = await mutate(emptyImage(hostPlatform()), { layers: [{ layer: w.layer }] });
    expect(await validateImage(image)).toEqual([]);
    expect((await image.manifest()).layers[0]?.mediaType).toBe(MediaType.OciLayerZstd);
    expect(zstdCompression(19).key).not.toBe(zstdCompression(3).key);
  });
});

const PINNED_LEVEL_9 = 'sha256:3bbddd42f67a47d65061c8f8ad7b9d4f91a8d7d9886012a56796920e24e383f7';
