import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import type { Zstd } from '@hpcc-js/wasm-zstd';
import type { LayerCompression } from './layer-compression.js';
import { MediaType } from './media-types.js';
import { compressFrame } from './zstd-frame.js';

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

let loaded: Promise<Zstd> | undefined;
/** The wasm module, loaded on first use so a gzip build never pays for it. */
function zstd(): Promise<Zstd> {
  loaded ??= import('@hpcc-js/wasm-zstd').then((m) => m.Zstd.load());
  return loaded;
}

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
 * hold any number of frames, RFC 8878 §3.1; containerd, skopeo and minnow read them). Frames are compressed one
 * at a time with the stateless one-shot call, so layers written at once never share encoder state.
 */
export function createZstdCompress(level = ZSTD_DEFAULT_LEVEL, frameSize = ZSTD_FRAME): Transform {
  let buffered: Buffer[] = [];
  let bufferedBytes = 0;
  let frames = 0;
  const frame = (encoder: Zstd, data: Buffer): Buffer => {
    frames++;
    return compressFrame(encoder, data, level);
  };
  return new Transform({
    transform(this: Transform, chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      buffered.push(chunk);
      bufferedBytes += chunk.length;
      if (bufferedBytes < frameSize) return done();
      zstd().then((encoder) => {
        const all = Buffer.concat(buffered, bufferedBytes);
        let at = 0;
        for (; all.length - at >= frameSize; at += frameSize)
          this.push(frame(encoder, all.subarray(at, at + frameSize)));
        buffered = [all.subarray(at)];
        bufferedBytes = all.length - at;
        done();
      }, done);
    },
    flush(this: Transform, done: TransformCallback) {
      zstd().then((encoder) => {
        // An empty input still gets one (empty) frame: a layer blob is never zero bytes.
        if (bufferedBytes > 0 || frames === 0)
          this.push(frame(encoder, Buffer.concat(buffered, bufferedBytes)));
        done();
      }, done);
    },
  });
}

/** OCI zstd layers at `level` (1–19; default 3). */
export function zstdCompression(level = ZSTD_DEFAULT_LEVEL): LayerCompression {
  return {
    mediaType: MediaType.OciLayerZstd,
    key: `zstd level ${level} frame ${ZSTD_FRAME} @hpcc-js/wasm-zstd ${encoderVersion()}`,
    create: () => createZstdCompress(level),
  };
}
