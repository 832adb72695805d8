// The worker side of gzip-pool.ts: says it is ready once libdeflate is loaded, then compresses the chunks it is
// sent, one at a time, and sends each member back.
import { parentPort } from 'node:worker_threads';
import { gzipMember } from './gzip-member.js';

parentPort?.on('message', (job: { id: number; data: Uint8Array; level: number }) => {
  try {
    const member = gzipMember(job.data, job.level);
    const view = new Uint8Array(member.buffer, member.byteOffset, member.byteLength);
    parentPort?.postMessage({ id: job.id, member: view }, [view.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort?.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) });
  }
});

// Sent only once the module (and libdeflate's WebAssembly, imported above) has loaded.
parentPort?.postMessage({ ready: true });
