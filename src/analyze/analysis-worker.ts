// The worker side of analysis-pool.ts: does the jobs it is sent (analysis-jobs.ts), one at a time, and answers
// each.
import { parentPort } from 'node:worker_threads';
import { isMinnowError } from '../errors.js';
import { runAnalysisJob, type AnalysisJob } from './analysis-jobs.js';

parentPort?.on('message', (job: AnalysisJob & { id: number }) => {
  runAnalysisJob(job).then(
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
