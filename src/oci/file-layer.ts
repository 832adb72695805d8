import { createReadStream } from 'node:fs';
import type { Digest } from './digest.js';
import type { Layer } from './layer.js';
import { descriptorLayer } from './partial.js';

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
    async () => createReadStream(path),
  );
}
