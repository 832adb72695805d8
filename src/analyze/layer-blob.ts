import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { MinnowError, messageOf } from '../errors.js';
import {
  blobFileOf,
  blobFileStream,
  digestAlgorithm,
  type BlobFile,
  type Digest,
  type Layer,
  type TarWalker,
} from '../oci/index.js';
import { analysisPool } from './analysis-pool.js';

/** A layer's blob opened for one read, and the check that its bytes were the digest's. */
export interface LayerBlob {
  /** The blob's bytes as a stream (read in place from the file when `inPlace`). */
  open(): Promise<Readable>;
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
  if (!pool || !region) return { open: () => layer.compressed(), verify: async () => undefined };
  const digest = await layer.digest();
  const hashed = pool.digestFile(region, digestAlgorithm(digest));
  hashed.catch(() => undefined);
  return {
    open: async () =>
      region.size === 0
        ? Readable.from([])
        : blobFileStream(region.path, { start: region.start, end: region.start + region.size - 1 }),
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

/** Bytes per read of a tar walked in place: one buffer, filled again for each read. */
const WALK_CHUNK = 1024 * 1024;
/** Reads between turns of the event loop. */
const YIELD_EVERY = 8;

/** The first `n` bytes of a file region (fewer when it is shorter). */
export async function readRegionHead(file: BlobFile, n: number): Promise<Buffer> {
  const fh = await open(file.path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(n, file.size));
    const { bytesRead } = await fh.read(buf, 0, buf.length, file.start);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Feeds a tar stored as is in a file region to `walker` through one reused buffer: the walker and its sinks only
 * borrow chunks (tar-walker.ts), and a fresh buffer per read cost the reading thread page faults and garbage
 * collections (about a fifth of its time on a 250 MB layer). Data no sink wants (`TarWalker.skippable`) is
 * passed over unread. `onBytes` sees each read's (or skip's) length before the walker does, for the limits. A
 * region cut short ends the walk early; the blob's check reports the size.
 */
export async function walkRegion(
  file: BlobFile,
  walker: TarWalker,
  onBytes: (n: number) => void,
): Promise<void> {
  const fd = openSync(file.path, 'r');
  try {
    const buf = Buffer.allocUnsafe(Math.min(WALK_CHUNK, Math.max(1, file.size)));
    for (let at = 0, reads = 0; at < file.size; reads++) {
      // Positioned reads, synchronous: a page-cache read costs a copy, and a promise per MiB cost about twice
      // that. A turn of the event loop every few lets the analysis worker's answers in (and its next job out).
      if (reads % YIELD_EVERY === YIELD_EVERY - 1)
        await new Promise<void>((resolve) => setImmediate(resolve));
      const bytesRead = readSync(fd, buf, 0, Math.min(buf.length, file.size - at), file.start + at);
      if (bytesRead === 0) break;
      at += bytesRead;
      onBytes(bytesRead);
      const waiting = walker.write(buf.subarray(0, bytesRead));
      if (waiting) await waiting;
      // The rest of an entry nobody reads (a binary's code, once its headers and build info are taken where
      // they lie): not copied out of the file at all. The worker's hash of the region still covers it.
      const skip = Math.min(walker.skippable(), file.size - at);
      if (skip > 0) {
        at += skip;
        onBytes(skip);
        const passed = walker.skip(skip);
        if (passed) await passed;
      }
    }
    walker.end();
  } finally {
    closeSync(fd);
  }
}
