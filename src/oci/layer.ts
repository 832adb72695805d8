import type { Readable } from 'node:stream';
import type { Digest } from './digest.js';

/**
 * One filesystem layer of an image. Every accessor may do I/O (a registry round trip, a file read), so every one
 * returns a promise, and a remote source and a local file fit the same shape.
 */
export interface Layer {
  /** Digest of the compressed blob, as the manifest names it. */
  digest(): Promise<Digest>;
  /** Digest of the uncompressed tar, as the config's rootfs.diff_ids names it. */
  diffId(): Promise<Digest>;
  /** Size in bytes of the compressed blob. */
  size(): Promise<number>;
  mediaType(): Promise<string>;
  /** The blob as stored; the stream fails with DIGEST_MISMATCH if the bytes do not match the digest. */
  compressed(): Promise<Readable>;
  /** The uncompressed tar stream. */
  uncompressed(): Promise<Readable>;
}
