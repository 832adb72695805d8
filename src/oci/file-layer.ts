import { createReadStream, type ReadStream } from 'node:fs';
import type { Digest } from './digest.js';
import type { Layer } from './layer.js';
import { descriptorLayer } from './partial.js';

/**
 * Bytes per read of a blob kept in a file. The default 64 KiB makes a 250 MB layer ~4000 thread-pool round trips,
 * each an idle wait of the reading thread; 1 MiB reads keep it busy (analyze of a 253 MB docker save: see git log).
 */
export const BLOB_READ_CHUNK = 1 << 20;

/** Streams a blob file, or the byte range `start`..`end` (inclusive) of one, in large reads. */
export function blobFileStream(path: string, range?: { start: number; end: number }): ReadStream {
  return createReadStream(path, { highWaterMark: BLOB_READ_CHUNK, ...range });
}

/** What is known of a layer blob kept in a file. */
export interface FileLayerInfo {
  digest: Digest;
  diffId: Digest;
  size: number;
  mediaType: string;
}

/** A layer whose compressed blob is a file on disk (a freshly written layer, or a cached one). */
export function fileLayer(path: string, info: FileLayerInfo): Layer {
  return descriptorLayer(
    { mediaType: info.mediaType, digest: info.digest, size: info.size },
    info.diffId,
    async () => blobFileStream(path),
  );
}
