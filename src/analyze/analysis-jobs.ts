// What the analysis worker does, as plain functions: the worker runs them, and so does the main thread when it
// takes a queued job back once its own walk is done (analysis-pool.ts).
import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';
import { MinnowError } from '../errors.js';
import { attributeBinary } from '../go/attribution.js';
import type { GoBuildInfo } from '../go/buildinfo.js';
import type { BlobFile } from '../oci/blob-file.js';
import { regionSource, withRegionFile } from './region-source.js';

/** What the analysis worker does; JOBS below is the one table of how. */
export type AnalysisJob =
  /** Attribute a Go binary held in memory (moved to the worker). */
  | { kind: 'attribute'; bytes: Uint8Array; info: GoBuildInfo }
  /** Attribute a Go binary that lies in a local file, reading only the parts attribution needs. */
  | { kind: 'attribute-file'; file: BlobFile; info: GoBuildInfo }
  /** Hash a region of a local file (a blob, verified while the layer's walk reads the same bytes). */
  | { kind: 'digest-file'; file: BlobFile; algorithm: 'sha256' | 'sha512' };

/** Bytes per read when hashing a file region, into one reused buffer. */
const READ_CHUNK = 1024 * 1024;

/** The digest (`sha256:…`) of a region's bytes. */
function digestRegion(region: BlobFile, algorithm: 'sha256' | 'sha512'): Promise<string> {
  return withRegionFile(region, async (fd) => {
    const hash = createHash(algorithm);
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    for (let at = 0; at < region.size;) {
      const r = readSync(fd, buf, 0, Math.min(READ_CHUNK, region.size - at), region.start + at);
      if (r === 0) throw new MinnowError('INVALID_IMAGE', `${region.path} ends inside a blob`);
      hash.update(buf.subarray(0, r));
      at += r;
    }
    return `${algorithm}:${hash.digest('hex')}`;
  });
}

const JOBS: { [K in AnalysisJob['kind']]: (job: Extract<AnalysisJob, { kind: K }>) => Promise<unknown> } = {
  attribute: (job) => {
    const b = job.bytes;
    return attributeBinary(Buffer.from(b.buffer, b.byteOffset, b.byteLength), job.info);
  },
  'attribute-file': (job) =>
    withRegionFile(job.file, (fd) => attributeBinary(regionSource(fd, job.file), job.info)),
  'digest-file': (job) => digestRegion(job.file, job.algorithm),
};

/** Does one job on the calling thread. */
export function runAnalysisJob(job: AnalysisJob): Promise<unknown> {
  return (JOBS[job.kind] as (j: AnalysisJob) => Promise<unknown>)(job);
}
