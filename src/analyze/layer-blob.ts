import { Readable } from 'node:stream';
import { MinnowError, messageOf } from '../errors.js';
import {
  blobFileOf,
  blobFileStream,
  digestAlgorithm,
  type BlobFile,
  type Digest,
  type Layer,
} from '../oci/index.js';
import { analysisPool } from './analysis-pool.js';

/** A layer's blob opened for one read, and the check that its bytes were the digest's. */
export interface LayerBlob {
  stream: Readable;
  /** Where the blob lies when it is read in place from a local file (its tar entries can be read there too). */
  inPlace?: BlobFile;
  /**
   * Resolves once the blob's bytes are known to be the digest's, and `bytesRead` (when the read went to the end)
   * its size; throws DIGEST_MISMATCH when not. A blob read through `compressed()` was checked as it streamed.
   */
  verify(bytesRead?: number): Promise<void>;
}

/**
 * Opens a layer's blob. One that lies in a local file (a `docker save` archive, an OCI layout, a `daemon:` read)
 * is read in place and hashed on the analysis worker from the same file while this thread walks it: hashing is a
 * fifth of an analysis's CPU, and the two threads halve the wait. Anything else streams through `compressed()`,
 * verified as it flows. Without the worker (sources run under a test runner) every blob takes that path.
 */
export async function openLayerBlob(layer: Layer, what: string): Promise<LayerBlob> {
  const pool = analysisPool();
  const region = pool ? await blobFileOf(layer) : undefined;
  if (!pool || !region) return { stream: await layer.compressed(), verify: async () => undefined };
  const digest = await layer.digest();
  const hashed = pool.digestFile(region, digestAlgorithm(digest));
  hashed.catch(() => undefined);
  const stream =
    region.size === 0
      ? Readable.from([])
      : blobFileStream(region.path, { start: region.start, end: region.start + region.size - 1 });
  return {
    stream,
    inPlace: region,
    verify: async (bytesRead) => {
      const actual = await hashed.catch((err: unknown) => {
        if (err instanceof MinnowError) throw err;
        throw new MinnowError('INVALID_IMAGE', `${what}: cannot read ${region.path} (${messageOf(err)})`, {
          subject: digest,
          cause: err,
        });
      });
      if (bytesRead !== undefined && bytesRead !== region.size) {
        throw new MinnowError(
          'DIGEST_MISMATCH',
          `${what}: got ${bytesRead} bytes, the descriptor declares ${region.size}`,
          { subject: digest },
        );
      }
      if (actual !== (digest as Digest)) {
        throw new MinnowError('DIGEST_MISMATCH', `${what}: content hashes to ${actual}, want ${digest}`, {
          subject: digest,
        });
      }
    },
  };
}
