import { fixedChunker } from '../util/content-chunks.js';
import { GZIP_MEMBER_ENGINE } from '../util/gzip-engine.js';
import { createParallelGzip, type ParallelGzipOptions } from '../util/parallel-gzip.js';
import type { LayerCompression } from './layer-compression.js';
import { MediaType } from './media-types.js';

/** Input per member of the one-off layers: under 0.1 % larger than one stream, and memory stays small. */
const CONTENT_CHUNK = 1 << 20;

/**
 * Layers gzipped as concatenated members (`createParallelGzip`: libdeflate, mtime 0, OS byte 3), on several cores
 * where there are any. The level, the chunking and libdeflate's version are in the key, the chunk cache is not
 * (it saves time, never changes a byte). No byte depends on Node's own zlib, whose output differs between Node
 * releases.
 */
export function parallelGzipCompression(options: ParallelGzipOptions = {}): LayerCompression {
  const level = options.level ?? 6;
  const chunker = options.chunker ?? fixedChunker(options.chunkSize ?? CONTENT_CHUNK);
  return {
    mediaType: MediaType.OciLayerGzip,
    key: `gzip members level ${level} ${chunker.key} ${GZIP_MEMBER_ENGINE}`,
    create: (expectedBytes) =>
      createParallelGzip({
        ...options,
        level,
        chunker,
        ...(expectedBytes !== undefined ? { expectedBytes } : {}),
      }),
  };
}

/**
 * Layers written once and pulled many times (the built-in base, files and data): level 9 by default, in 1 MiB
 * members.
 */
export function gzipCompression(level = 9): LayerCompression {
  return parallelGzipCompression({ level, chunkSize: CONTENT_CHUNK });
}
