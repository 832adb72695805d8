// The worker side of attribution-pool.ts: attributes the binaries it is sent, one at a time, and answers each.
import { parentPort } from 'node:worker_threads';
import { isMinnowError } from '../errors.js';
import { attributeBinary } from './attribution.js';
import type { GoBuildInfo } from './buildinfo.js';

interface Job {
  id: number;
  bytes: Uint8Array;
  info: GoBuildInfo;
}

parentPort?.on('message', (job: Job) => {
  const data = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
  attributeBinary(data, job.info).then(
    (attribution) => parentPort?.postMessage({ id: job.id, attribution }),
    (err: unknown) =>
      parentPort?.postMessage({
        id: job.id,
        error: {
          minnow: isMinnowError(err),
          code: isMinnowError(err) ? err.code : undefined,
          message: String(err),
        },
      }),
  );
});
