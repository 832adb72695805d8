import * as stream from 'node:stream';
import { Transform, type Duplex } from 'node:stream';
import { constants as zc, createGzip } from 'node:zlib';
import { createParallelGzip, GZIP_OS_UNIX, type ParallelGzipOptions } from '../util/parallel-gzip.js';
import type { LayerCompression } from './layer-compression.js';
import { MediaType } from './media-types.js';

/**
 * A pass-through that sets the OS byte (offset 9) of the gzip header at the start of the stream to 3 (Unix).
 * zlib writes its compile-time OS code there, and zlib ≥ 1.2.12 built for macOS writes 19: without this a
 * layer gzipped on a Mac would differ from the same layer gzipped on Linux.
 */
export function unixGzipHeader(): Transform {
  let offset = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (offset <= 9 && offset + chunk.length > 9) chunk[9 - offset] = GZIP_OS_UNIX;
      offset += chunk.length;
      done(null, chunk);
    },
  });
}

// `stream.compose` (Node ≥ 16.9) joins two transforms into one duplex; @types/node 20 does not declare it yet.
const compose = (stream as unknown as { compose(...streams: Duplex[]): Duplex }).compose;

/** The zlib version is in the key: another zlib may deflate the same bytes differently. */
const zlibKey = (): string => `zlib ${process.versions.zlib}`;

/**
 * One zlib gzip stream at `level` (default 9: layers are written once and pulled many times), with mtime 0 and
 * the OS byte set to Unix, so nothing varies between builds or build machines.
 */
export function gzipCompression(level = 9): LayerCompression {
  return {
    mediaType: MediaType.OciLayerGzip,
    key: `gzip level ${level} ${zlibKey()}`,
    create: () => compose(createGzip({ level, strategy: zc.Z_DEFAULT_STRATEGY }), unixGzipHeader()),
  };
}

/**
 * Layers gzipped on several cores as concatenated members (`createParallelGzip`, which sets the OS byte of each):
 * level and chunk size are in the key, the chunk cache is not (it saves time, never changes a byte).
 */
export function parallelGzipCompression(options: ParallelGzipOptions = {}): LayerCompression {
  const level = options.level ?? 6;
  const chunkSize = options.chunkSize ?? 1 << 20;
  return {
    mediaType: MediaType.OciLayerGzip,
    key: `gzip members level ${level} chunk ${chunkSize} ${zlibKey()}`,
    create: () => createParallelGzip({ ...options, level, chunkSize }),
  };
}
