import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MinnowError } from '../errors.js';
import type { BinaryAttribution } from './attribution.js';
import type { GoBuildInfo } from './buildinfo.js';

interface Answer {
  id: number;
  attribution?: BinaryAttribution;
  error?: { minnow: boolean; code?: string; message: string };
}

/**
 * Attributes Go binaries on one worker thread, so the pclntab walks (a quarter of a second over the Go toolchain)
 * run beside the thread that reads layers instead of inside it. The worker is started at the first binary and
 * does not keep the process alive while it has nothing to do.
 */
export class AttributionPool {
  readonly #worker: Worker;
  readonly #jobs = new Map<number, { resolve: (a: BinaryAttribution) => void; reject: (e: Error) => void }>();
  #next = 0;
  #failed: Error | undefined;

  constructor(script: URL) {
    this.#worker = new Worker(script);
    this.#worker.on('message', (a: Answer) => this.#answer(a));
    this.#worker.on('error', (err) => this.#fail(err));
    this.#worker.on('exit', (code) => this.#fail(new Error(`the attribution worker exited (${code})`)));
    // After the listeners: adding a 'message' listener refs the worker's port again.
    this.#worker.unref();
  }

  /**
   * Attributes `bytes` (a buffer that owns its whole ArrayBuffer, which is moved to the worker: it is unusable
   * here afterwards). Rejects with the worker's MinnowError when the binary cannot be read.
   */
  attribute(bytes: Buffer, info: GoBuildInfo): Promise<BinaryAttribution> {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = this.#next++;
    if (this.#jobs.size === 0) this.#worker.ref();
    const done = new Promise<BinaryAttribution>((resolve, reject) => this.#jobs.set(id, { resolve, reject }));
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#worker.postMessage({ id, bytes: view, info }, [view.buffer as ArrayBuffer]);
    return done;
  }

  #answer(a: Answer): void {
    const job = this.#jobs.get(a.id);
    this.#jobs.delete(a.id);
    if (this.#jobs.size === 0) this.#worker.unref();
    if (!job) return;
    if (a.attribution) job.resolve(a.attribution);
    else if (a.error?.minnow) job.reject(new MinnowError('INVALID_ARGUMENT', a.error.message));
    else job.reject(new Error(a.error?.message ?? 'attribution failed'));
  }

  #fail(err: Error): void {
    this.#failed ??= err;
    for (const job of this.#jobs.values()) job.reject(err);
    this.#jobs.clear();
  }
}

let shared: AttributionPool | null | undefined;

/**
 * The process's attribution worker, or undefined where its script is not built (the TypeScript sources run
 * under a test runner): attribute on the calling thread then.
 */
export function attributionPool(): AttributionPool | undefined {
  if (shared === undefined) {
    // Beside this module in dist/go/, and in dist/cli-bundle/chunks/ where the CLI bundle puts both.
    const script = new URL('./attribution-worker.js', import.meta.url);
    shared =
      import.meta.url.endsWith('.js') && existsSync(fileURLToPath(script))
        ? new AttributionPool(script)
        : null;
  }
  return shared ?? undefined;
}
