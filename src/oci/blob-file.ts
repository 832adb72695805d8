import type { Layer } from './layer.js';

/**
 * Where a blob's bytes lie in a local file (a blob of an OCI layout, a member of a `docker save` archive), so a
 * reader may read them in place, on any thread: analyze hashes them on a worker while it walks them.
 */
export interface BlobFile {
  readonly path: string;
  /** Offset of the blob's first byte in the file. */
  readonly start: number;
  /** The blob's size: the descriptor's, which the file region holds exactly. */
  readonly size: number;
}

/**
 * A layer whose blob is a region of a local file says where. A reader that reads it there instead of through
 * `compressed()` takes on the verification `compressed()` does: the bytes against the digest and the size.
 */
export interface FileBackedLayer extends Layer {
  blobFile(): Promise<BlobFile | undefined>;
}

/** Where `layer`'s blob lies on disk, when its source knows. */
export async function blobFileOf(layer: Layer): Promise<BlobFile | undefined> {
  const backed = layer as Partial<FileBackedLayer>;
  return typeof backed.blobFile === 'function' ? backed.blobFile() : undefined;
}
