import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { availableParallelism } from 'node:os';
import { gzipPool, type ZstdFrames } from '../util/gzip-pool.js';
import type { LayerCompression } from './layer-compression.js';
import { MediaType } from './media-types.js';

/**
 * zstd layers from libzstd compiled to WebAssembly (@hpcc-js/wasm-zstd): the same bytes on every Node version and
 * machine, since the compressor ships inside the npm package (Node 20's zlib has no zstd, and Node 22's would tie
 * the digest to the Node version). Compared with @bokuweb/zstd-wasm (same libzstd bytes, a whole-buffer API
 * only, 0.0.x) and native addons (which download their binary from outside npm), it is the kept one.
 */

/** Input per zstd frame: zstd-19's window, so frames lose nothing against one stream while memory stays bounded. */
export const ZSTD_FRAME = 8 << 20;

/** zstd's own default level, which buildkit and containerd use too. */
export const ZSTD_DEFAULT_LEVEL = 3;

let version: string | undefined;
/** The encoder package's version, for cache keys: another libzstd may compress the same bytes differently. */
function encoderVersion(): string {
  if (version === undefined) {
    const main = createRequire(import.meta.url).resolve('@hpcc-js/wasm-zstd');
    const pkg = JSON.parse(readFileSync(join(dirname(main), '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    version = pkg.version;
  }
  return version;
}

/**
 * A Transform writing its input as independent zstd frames of `frameSize` bytes each (a zstd stream may
 * hold any number of frames, RFC 8878 §3.1; containerd, skopeo and minnow read them). Each frame is the stateless
 * one-shot call's (zstd-frame.ts), made on this thread or a helper of the compression pool (gzip-pool.ts): the
 * same bytes wherever, emitted in order, a few frames under way at once. With `expectedBytes` over one frame the
 * helpers start at once: a large layer's frames are compressed on every core (Helm's 62 MB binary: 8 frames).
 */
export function createZstdCompress(
  level = ZSTD_DEFAULT_LEVEL,
  frameSize = ZSTD_FRAME,
  expectedBytes?: number,
): Transform {
  const pool = gzipPool();
  if (expectedBytes !== undefined && expectedBytes > frameSize) pool.expect(expectedBytes);
  // Loaded here, not at the top: a command that never writes zstd leaves libzstd out of its bundle.
  const frames: Promise<ZstdFrames> = import('../util/zstd-frame.js').then(async (m) => ({
    encoder: await m.loadZstd(),
    frame: m.compressFrame,
  }));
  frames.catch(() => undefined);
  // Frames under way at once: one per core and one more being read; memory stays bounded to that many frames.
  const window = availableParallelism() + 1;
  const pending: Promise<Buffer>[] = [];
  let buffered: Buffer[] = [];
  let bufferedBytes = 0;
  let made = 0;
  const start = (data: Buffer): void => {
    made++;
    const frame = frames.then((f) => pool.zstd(data, level, f));
    // A frame that fails while an earlier one is awaited is seen when its turn comes.
    frame.catch(() => undefined);
    pending.push(frame);
  };
  return new Transform({
    transform(this: Transform, chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      buffered.push(chunk);
      bufferedBytes += chunk.length;
      if (bufferedBytes < frameSize) return done();
      void (async () => {
        const all = Buffer.concat(buffered, bufferedBytes);
        let at = 0;
        for (; all.length - at >= frameSize; at += frameSize) {
          start(all.subarray(at, at + frameSize));
          while (pending.length >= window) this.push(await (pending.shift() as Promise<Buffer>));
        }
        buffered = [all.subarray(at)];
        bufferedBytes = all.length - at;
      })().then(() => done(), done);
    },
    flush(this: Transform, done: TransformCallback) {
      void (async () => {
        // An empty input still gets one (empty) frame: a layer blob is never zero bytes.
        if (bufferedBytes > 0 || made === 0) start(Buffer.concat(buffered, bufferedBytes));
        while (pending.length > 0) this.push(await (pending.shift() as Promise<Buffer>));
      })().then(() => done(), done);
    },
  });
}

/** OCI zstd layers at `level` (1–19; default 3). */
export function zstdCompression(level = ZSTD_DEFAULT_LEVEL): LayerCompression {
  return {
    mediaType: MediaType.OciLayerZstd,
    key: `zstd level ${level} frame ${ZSTD_FRAME} @hpcc-js/wasm-zstd ${encoderVersion()}`,
    create: (expectedBytes) => createZstdCompress(level, ZSTD_FRAME, expectedBytes),
  };
}
