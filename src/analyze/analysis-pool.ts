import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MinnowError, type ErrorCode } from '../errors.js';
import type { BinaryAttribution } from '../go/attribution.js';
import type { GoBuildInfo } from '../go/buildinfo.js';
import type { BlobFile } from '../oci/blob-file.js';

/** What the analysis worker does (analysis-worker.ts has the one table of how). */
export type AnalysisJob =
  /** Attribute a Go binary held in memory (moved to the worker). */
  | { kind: 'attribute'; bytes: Uint8Array; info: GoBuildInfo }
  /** Attribute a Go binary that lies in a local file, reading only the parts attribution needs. */
  | { kind: 'attribute-file'; file: BlobFile; info: GoBuildInfo }
  /** Hash a region of a local file (a blob, verified while the layer's walk reads the same bytes). */
  | { kind: 'digest-file'; file: BlobFile; algorithm: 'sha256' | 'sha512' };

interface Answer {
  id: number;
  result?: unknown;
  error?: { minnow: boolean; code?: string; message: string };
}

/**
 * Runs analysis jobs on one worker thread beside the thread that reads layers: the pclntab walks of Go binaries
 * (a quarter of a second over the Go toolchain) and the digests of blobs that lie in local files (0.2 s per
 * 250 MB). The worker is started at the first job and does not keep the process alive while it has none.
 */
export class AnalysisPool {
  readonly #worker: Worker;
  readonly #jobs = new Map<number, { resolve: (a: unknown) => void; reject: (e: Error) => void }>();
  #next = 0;
  #failed: Error | undefined;

  constructor(script: URL) {
    this.#worker = new Worker(script);
    this.#worker.on('message', (a: Answer) => this.#answer(a));
    this.#worker.on('error', (err) => this.#fail(err));
    this.#worker.on('exit', (code) => this.#fail(new Error(`the analysis worker exited (${code})`)));
    // After the listeners: adding a 'message' listener refs the worker's port again.
    this.#worker.unref();
  }

  /**
   * Attributes `bytes` (a buffer that owns its whole ArrayBuffer, which is moved to the worker: it is unusable
   * here afterwards). Rejects with the worker's MinnowError when the binary cannot be read.
   */
  attribute(bytes: Buffer, info: GoBuildInfo): Promise<BinaryAttribution> {
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return this.#run({ kind: 'attribute', bytes: view, info }, [view.buffer as ArrayBuffer]);
  }

  /** Attributes the Go binary at `file` (read there by the worker). */
  attributeFile(file: BlobFile, info: GoBuildInfo): Promise<BinaryAttribution> {
    return this.#run({ kind: 'attribute-file', file, info });
  }

  /** The digest (`sha256:…`) of the bytes at `file`. */
  digestFile(file: BlobFile, algorithm: 'sha256' | 'sha512'): Promise<string> {
    return this.#run({ kind: 'digest-file', file, algorithm });
  }

  #run<T>(job: AnalysisJob, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = this.#next++;
    if (this.#jobs.size === 0) this.#worker.ref();
    const done = new Promise<T>((resolve, reject) =>
      this.#jobs.set(id, { resolve: resolve as (a: unknown) => void, reject }),
    );
    this.#worker.postMessage({ ...job, id }, transfer);
    return done;
  }

  #answer(a: Answer): void {
    const job = this.#jobs.get(a.id);
    this.#jobs.delete(a.id);
    if (this.#jobs.size === 0) this.#worker.unref();
    if (!job) return;
    if (!a.error) job.resolve(a.result);
    else if (a.error.minnow) {
      job.reject(new MinnowError((a.error.code ?? 'INVALID_ARGUMENT') as ErrorCode, a.error.message));
    } else job.reject(new Error(a.error.message));
  }

  #fail(err: Error): void {
    this.#failed ??= err;
    for (const job of this.#jobs.values()) job.reject(err);
    this.#jobs.clear();
  }
}

let shared: AnalysisPool | null | undefined;

/**
 * The process's analysis worker, or undefined where its script is not built (the TypeScript sources run under a
 * test runner): the work is done on the calling thread then.
 */
export function analysisPool(): AnalysisPool | undefined {
  if (shared === undefined) {
    // Beside this module in dist/analyze/, and in dist/cli-bundle/chunks/ where the CLI bundle puts both.
    const script = new URL('./analysis-worker.js', import.meta.url);
    shared =
      import.meta.url.endsWith('.js') && existsSync(fileURLToPath(script)) ? new AnalysisPool(script) : null;
  }
  return shared ?? undefined;
}
