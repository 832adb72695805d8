// The worker side of analysis-pool.ts: does the jobs it is sent, one at a time, and answers each. A job names its
// kind; JOBS is the one table of what the worker can do.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { isMinnowError, MinnowError } from '../errors.js';
import { attributeBinary } from '../go/attribution.js';
import type { GoBuildInfo } from '../go/buildinfo.js';
import type { RandomAccess } from '../go/elf.js';
import type { BlobFile } from '../oci/blob-file.js';
import type { AnalysisJob } from './analysis-pool.js';

/** Bytes per read when hashing a file region: as the layer reads on the main thread. */
const READ_CHUNK = 1024 * 1024;

/** Reads `region` in place with positioned reads (pread): a short read is a truncated file. */
function regionSource(fd: number, region: BlobFile): RandomAccess {
  return {
    size: region.size,
    read: async (offset, length) => {
      const n = Math.max(0, Math.min(length, region.size - offset));
      const buf = Buffer.allocUnsafe(n);
      let got = 0;
      while (got < n) {
        const r = readSync(fd, buf, got, n - got, region.start + offset + got);
        if (r === 0) throw new MinnowError('INVALID_IMAGE', `${region.path} ends inside a blob`);
        got += r;
      }
      return buf;
    },
  };
}

async function withFile<T>(region: BlobFile, use: (fd: number) => Promise<T>): Promise<T> {
  const fd = openSync(region.path, 'r');
  try {
    return await use(fd);
  } finally {
    closeSync(fd);
  }
}

/** The sha256 (or sha512) of a region and the bytes it held. */
async function digestRegion(region: BlobFile, algorithm: 'sha256' | 'sha512'): Promise<string> {
  return withFile(region, async (fd) => {
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
    return attributeBinary(Buffer.from(b.buffer, b.byteOffset, b.byteLength), job.info as GoBuildInfo);
  },
  'attribute-file': (job) =>
    withFile(job.file, (fd) => attributeBinary(regionSource(fd, job.file), job.info)),
  'digest-file': (job) => digestRegion(job.file, job.algorithm),
};

parentPort?.on('message', (job: AnalysisJob & { id: number }) => {
  const run = JOBS[job.kind] as (j: AnalysisJob) => Promise<unknown>;
  run(job).then(
    (result) => parentPort?.postMessage({ id: job.id, result }),
    (err: unknown) =>
      parentPort?.postMessage({
        id: job.id,
        error: {
          minnow: isMinnowError(err),
          code: isMinnowError(err) ? err.code : undefined,
          message: isMinnowError(err) ? err.message : String(err),
        },
      }),
  );
});
