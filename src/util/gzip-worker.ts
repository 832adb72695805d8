// The worker side of gzip-pool.ts: says it is ready once libdeflate is loaded and warm, then compresses the
// chunks it is sent, one at a time and in order, and sends each gzip member or zstd frame back. libzstd loads at
// the first zstd frame.
import type { Zstd } from '@hpcc-js/wasm-zstd';
import { parentPort } from 'node:worker_threads';
import { gzipMember, warmGzipMember } from './gzip-member.js';
import type { PoolJobKind } from './gzip-pool.js';
import { compressFrame, loadZstd } from './zstd-frame.js';

interface WorkerJob {
  id: number;
  kind?: PoolJobKind;
  data: Uint8Array;
  level: number;
}

let zstd: Zstd | undefined;

async function answer(job: WorkerJob): Promise<void> {
  try {
    let out: Buffer;
    if (job.kind === 'zstd') {
      zstd ??= await loadZstd();
      out = compressFrame(zstd, job.data, job.level);
    } else {
      out = gzipMember(job.data, job.level);
    }
    const view = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    parentPort?.postMessage({ id: job.id, member: view }, [view.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort?.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) });
  }
}

// One job at a time, in the order sent: a zstd frame that waits for libzstd to load holds the ones behind it.
let turn = Promise.resolve();
parentPort?.on('message', (job: WorkerJob) => {
  turn = turn.then(() => answer(job));
});

// Sent only once the module has loaded and libdeflate has compressed something (gzip-member.ts): the pool's first
// chunk for this helper is then compressed at full speed.
warmGzipMember();
parentPort?.postMessage({ ready: true });
