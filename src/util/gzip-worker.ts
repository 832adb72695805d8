// The worker side of gzip-pool.ts: says it is ready once libdeflate is loaded and warm, then compresses the
// chunks it is sent, one at a time, and sends each member back.
import { parentPort } from 'node:worker_threads';
import { gzipMember, warmGzipMember } from './gzip-member.js';

parentPort?.on('message', (job: { id: number; data: Uint8Array; level: number }) => {
  try {
    const member = gzipMember(job.data, job.level);
    const view = new Uint8Array(member.buffer, member.byteOffset, member.byteLength);
    parentPort?.postMessage({ id: job.id, member: view }, [view.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort?.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) });
  }
});

// Sent only once the module has loaded and libdeflate has compressed something (gzip-member.ts): the pool's first
// chunk for this helper is then compressed at full speed.
warmGzipMember();
parentPort?.postMessage({ ready: true });
