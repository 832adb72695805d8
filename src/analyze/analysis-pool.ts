import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { MinnowError, type ErrorCode } from '../errors.js';
import type { BinaryAttribution } from '../go/attribution.js';
import type { GoBuildInfo } from '../go/buildinfo.js';
import type { BlobFile } from '../oci/blob-file.js';
import type { AnalysisJob } from './analysis-jobs.js';

export type { AnalysisJob } from './analysis-jobs.js';

interface Answer {
  id: number;
  result?: unknown;
  error?: { minnow: boolean; code?: string; message: string };
}

/**
 * Jobs the worker holds at once: one running and one queued in its port, so that it starts the next as it answers
 * instead of waiting for this thread (busy walking or attributing) to read the answer and send another.
 */
const IN_FLIGHT = 2;

interface Queued {
  job: AnalysisJob;
  transfer: ArrayBuffer[];
  resolve: (a: unknown) => void;
  reject: (e: Error) => void;
}

/**
 * Runs analysis jobs on one worker thread beside the thread that reads layers: the digests of blobs that lie in
 * local files (0.25 s per 250 MB) and the pclntab walks of Go binaries (a tenth of a second over the Go
 * toolchain). Jobs wait here and go to the worker at most IN_FLIGHT at a time, so that once the reading thread
 * has walked every layer it can take the attributions still waiting (`helpUntil`) instead of idling while the
 * worker does them all; digests go first, in order, then the largest binary waiting (both threads take the
 * largest, so the last jobs left are small). The worker is started at the first job (or by
 * `analysisPool().warm()`) and does not keep the process alive while it has none.
 */
export class AnalysisPool {
  readonly #script: URL;
  #worker: Worker | undefined;
  readonly #sent = new Map<number, Queued>();
  readonly #waiting: Queued[] = [];
  #next = 0;
  #failed: Error | undefined;

  constructor(script: URL) {
    this.#script = script;
  }

  /** Starts the worker now, so its start-up overlaps opening the image. */
  warm(): void {
    this.#start();
  }

  /**
   * Attributes `bytes` (a buffer that owns its whole ArrayBuffer, which is moved to the worker: it is unusable
   * here afterwards). Rejects with the worker's MinnowError when the binary cannot be read.
   */
  attribute(bytes: Buffer, info: GoBuildInfo): Promise<BinaryAttribution> {
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return this.#queue({ kind: 'attribute', bytes: view, info }, [view.buffer as ArrayBuffer]);
  }

  /** Attributes the Go binary at `file` (read there). */
  attributeFile(file: BlobFile, info: GoBuildInfo): Promise<BinaryAttribution> {
    return this.#queue({ kind: 'attribute-file', file, info });
  }

  /** The digest (`sha256:…`) of the bytes at `file`. */
  digestFile(file: BlobFile, algorithm: 'sha256' | 'sha512'): Promise<string> {
    return this.#queue({ kind: 'digest-file', file, algorithm });
  }

  /**
   * Does the attributions still waiting on this thread, then waits for `done`: for the reading thread once it has
   * nothing else to do. A digest is never taken back (it is one long job, already under way).
   */
  async helpUntil(done: Promise<unknown>): Promise<void> {
    // Awaited below, after the jobs: a rejection meanwhile must not count as unhandled.
    done.catch(() => undefined);
    // Loaded here, not at the top: the CLI starts the worker before it loads the command (main.ts), and this
    // module must stay small for that.
    const { runAnalysisJob } = await import('./analysis-jobs.js');
    for (;;) {
      const q = this.#take(false);
      if (!q) break;
      await runAnalysisJob(q.job).then(q.resolve, (err: unknown) =>
        q.reject(err instanceof Error ? err : new Error(String(err))),
      );
      // A turn of the event loop between jobs: the worker's answers arrive, and it is sent the next job.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await done;
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    // node:worker_threads loads with the worker, not with every command that imports the pool (~4 ms).
    const worker = new (process.getBuiltinModule('node:worker_threads').Worker)(this.#script);
    worker.on('message', (a: Answer) => this.#answer(a));
    worker.on('error', (err) => this.#fail(err));
    worker.on('exit', (code) => this.#fail(new Error(`the analysis worker exited (${code})`)));
    // After the listeners: adding a 'message' listener refs the worker's port again.
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  #queue<T>(job: AnalysisJob, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.#failed) return Promise.reject(this.#failed);
    const done = new Promise<T>((resolve, reject) =>
      this.#waiting.push({ job, transfer, resolve: resolve as (a: unknown) => void, reject }),
    );
    this.#pump();
    return done;
  }

  /**
   * The next job to do: the first digest waiting (for the worker only: it is one long job), else the attribution
   * of the largest binary waiting. Removed from the queue.
   */
  #take(digests: boolean): Queued | undefined {
    let best = -1;
    let bestSize = -1;
    for (let i = 0; i < this.#waiting.length; i++) {
      const job = (this.#waiting[i] as Queued).job;
      if (job.kind === 'digest-file') {
        if (!digests) continue;
        best = i;
        break;
      }
      const size = job.kind === 'attribute' ? job.bytes.byteLength : job.file.size;
      if (size > bestSize) [best, bestSize] = [i, size];
    }
    return best < 0 ? undefined : this.#waiting.splice(best, 1)[0];
  }

  /** Sends waiting jobs while the worker has fewer than IN_FLIGHT. */
  #pump(): void {
    while (this.#sent.size < IN_FLIGHT && !this.#failed) {
      const q = this.#take(true);
      if (!q) return;
      this.#send(q);
    }
  }

  #send(q: Queued): void {
    const worker = this.#start();
    const id = this.#next++;
    this.#sent.set(id, q);
    worker.ref();
    worker.postMessage({ ...q.job, id }, q.transfer);
  }

  #answer(a: Answer): void {
    const q = this.#sent.get(a.id);
    this.#sent.delete(a.id);
    if (this.#sent.size === 0) this.#worker?.unref();
    if (q) {
      if (!a.error) q.resolve(a.result);
      else if (a.error.minnow) {
        q.reject(new MinnowError((a.error.code ?? 'INVALID_ARGUMENT') as ErrorCode, a.error.message));
      } else q.reject(new Error(a.error.message));
    }
    this.#pump();
  }

  #fail(err: Error): void {
    this.#failed ??= err;
    for (const q of [...this.#sent.values(), ...this.#waiting]) q.reject(err);
    this.#sent.clear();
    this.#waiting.length = 0;
  }
}

let shared: AnalysisPool | null | undefined;

/**
 * The process's analysis worker, or undefined where its script is not built (the TypeScript sources run under a
 * test runner): the work is done on the calling thread then.
 */
export function analysisPool(): AnalysisPool | undefined {
  if (shared === undefined) {
    // Beside this module in dist/analyze/, and in dist/cli-bundle/ where the CLI bundle puts both.
    const script = new URL('./analysis-worker.js', import.meta.url);
    shared =
      !import.meta.url.endsWith('.ts') && existsSync(fileURLToPath(script)) ? new AnalysisPool(script) : null;
  }
  return shared ?? undefined;
}

/** Waits for `done`, doing waiting analysis jobs on this thread meanwhile (when there is a worker at all). */
export function helpUntil(done: Promise<unknown>): Promise<void> {
  return shared ? shared.helpUntil(done) : done.then(() => undefined);
}
