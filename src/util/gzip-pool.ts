import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { Zstd } from '@hpcc-js/wasm-zstd';

type Compress = (data: Uint8Array, level: number) => Buffer;

/** What a job makes: a gzip member (gzip-member.ts) or a zstd frame (zstd-frame.ts). */
export type PoolJobKind = 'gzip' | 'zstd';

/** libzstd loaded (zstd-frame.ts's loadZstd) and the frame maker that uses it. */
export interface ZstdFrames {
  encoder: Zstd;
  frame(encoder: Zstd, data: Uint8Array, level: number): Buffer;
}

interface Job {
  kind: PoolJobKind;
  data: Buffer;
  level: number;
  resolve: (member: Buffer) => void;
  reject: (err: Error) => void;
}

interface Helper {
  worker: Worker;
  /**
   * Whether the helper said it is ready (libdeflate loaded, gzip-worker.ts). Until then it is sent nothing: a
   * worker takes ~70 ms to start on a 2-CPU machine, and chunks queued in its port meanwhile left this thread
   * idle, waiting on the first of them to stream the layer in order (hello after an edit: 60 ms of 150).
   */
  ready: boolean;
  /** Jobs sent and not yet answered, by id. */
  jobs: Map<number, Job>;
  id: number;
}

/**
 * Chunks a helper holds at once: one it compresses and three waiting in its port, so that it goes on to the next
 * as it answers instead of idling until this thread (busy with its own chunk, a cut or a cache read) reads the
 * answer and sends another. With 2, a helm edit's helper was idle 29 % of its app layer.
 */
const HELPER_QUEUE = 4;

/**
 * On a machine of one or two CPUs, the bytes this thread compresses (or a layer is expected to hold) before a
 * helper starts: a worker's start-up is CPU taken from everything else, which a layer of a few chunks does not pay
 * back. From 1 MiB on it does: once Go is done the other core is idle, and a hello rebuild after an edit that
 * moves 3.8 MB of its 5.8 MB into new chunks took 0.481 -> 0.468 s (21 interleaved rounds; 8 MiB before). Edits
 * that keep the layout (most chunks come from the cache, so the helper has little to do) and no-ops (nothing is
 * compressed) took as long as before. With more CPUs helpers start at the first member.
 */
const INLINE_BYTES = 1 << 20;
/** Most helper threads: each holds libdeflate's tables and a chunk; more would add start-up, not speed. */
const MAX_HELPERS = 4;

/**
 * Compresses gzip members (gzip-member.ts) and zstd frames (zstd-frame.ts) on this thread, a chunk per turn of
 * the event loop, and on up to CPU count − 1 helper threads as well (see INLINE_BYTES). Helpers do not keep the
 * process alive while idle; a helper that fails is dropped and its chunk done here, so a member is never lost.
 */
export class GzipPool {
  readonly #script: URL | undefined;
  readonly #maxHelpers: number;
  readonly #startAt: number;
  readonly #waiting: Job[] = [];
  readonly #helpers: Helper[] = [];
  #inlineBytes = 0;
  #scheduled = false;
  #helpersFailed = false;
  #started = 0;
  /** gzip-member.ts, loaded at the first member: commands that write no gzip never load libdeflate. */
  #compress: Compress | undefined;
  /** The zstd frame maker of the first `zstd` call (zstd-frame.ts), for the frames made on this thread. */
  #zstd: ZstdFrames | undefined;

  constructor(script: URL | undefined, cpus = availableParallelism()) {
    this.#script = script;
    this.#maxHelpers = Math.max(0, Math.min(MAX_HELPERS, cpus - 1));
    this.#startAt = cpus > 2 ? 0 : INLINE_BYTES;
  }

  /** Helper threads started so far (for tests and benches). */
  get helpersStarted(): number {
    return this.#started;
  }

  /**
   * `bytes` are about to come: when they are more than this thread would compress alone (INLINE_BYTES on one or
   * two CPUs), the helpers start now, while the first members are read and cut, instead of after this thread has
   * compressed INLINE_BYTES itself (~30 ms at level 6) with the other core idle.
   */
  expect(bytes: number): void {
    if (bytes <= this.#startAt) return;
    while (this.#script && !this.#helpersFailed && this.#helpers.length < this.#maxHelpers) {
      this.#start(this.#script);
    }
  }

  /**
   * Every member soon to come will be compressed (a first build: no earlier layer, no chunk to find again): the
   * helpers start now, whatever INLINE_BYTES says, so their start-up overlaps the caller's wait (Go compiling)
   * instead of the compression. A no-op without helpers to start (one CPU, no worker script).
   */
  prestart(): void {
    this.expect(Number.POSITIVE_INFINITY);
    // This thread is idle while Go runs: its compressor gets ready too, so its first member is not slow either.
    if (!this.#compress) {
      void import('./gzip-member.js')
        .then((m) => {
          m.warmGzipMember();
          this.#compress ??= m.gzipMember;
        })
        .catch(() => undefined);
    }
  }

  /** A member of `data` at `level`; `data` is only read, and may be a view of a larger buffer. */
  async gzip(data: Buffer, level: number): Promise<Buffer> {
    this.#compress ??= (await import('./gzip-member.js')).gzipMember;
    return this.#queue('gzip', data, level);
  }

  /**
   * A zstd frame of `data` at `level`, made by `frames` here (zstd-frame.ts, loaded by the caller: a command that
   * writes no zstd does not carry libzstd in its bundle) or on a helper; `data` is only read, and may be a view.
   */
  async zstd(data: Buffer, level: number, frames: ZstdFrames): Promise<Buffer> {
    this.#zstd ??= frames;
    return this.#queue('zstd', data, level);
  }

  #queue(kind: PoolJobKind, data: Buffer, level: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ kind, data, level, resolve, reject });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    for (const h of this.#helpers) {
      while (h.ready && h.jobs.size < HELPER_QUEUE && this.#waiting.length)
        this.#send(h, this.#waiting.shift()!);
    }
    if (
      this.#waiting.length &&
      this.#inlineBytes >= this.#startAt &&
      this.#script &&
      !this.#helpersFailed &&
      this.#helpers.length < this.#maxHelpers
    ) {
      this.#start(this.#script);
    }
    if (this.#waiting.length && !this.#scheduled) {
      this.#scheduled = true;
      // A turn of the event loop per chunk: reads, digests and helpers' answers go on between them.
      setImmediate(() => this.#runHere());
    }
  }

  #runHere(): void {
    this.#scheduled = false;
    const job = this.#waiting.shift();
    if (!job) return;
    try {
      const zstd = this.#zstd;
      if (job.kind === 'zstd' && !zstd) throw new Error('a zstd frame was asked for without libzstd');
      job.resolve(
        job.kind === 'zstd' && zstd
          ? zstd.frame(zstd.encoder, job.data, job.level)
          : (this.#compress as Compress)(job.data, job.level),
      );
    } catch (err) {
      job.reject(err instanceof Error ? err : new Error(String(err)));
    }
    this.#inlineBytes += job.data.length;
    this.#dispatch();
  }

  #start(script: URL): void {
    // node:worker_threads loads with the first helper, not with every command that imports the pool (~4 ms).
    const helper: Helper = {
      worker: new (process.getBuiltinModule('node:worker_threads').Worker)(script),
      ready: false,
      jobs: new Map(),
      id: 0,
    };
    helper.worker.on('message', (a: { ready?: true; id: number; member?: Uint8Array; error?: string }) => {
      if (a.ready) {
        helper.ready = true;
        this.#dispatch();
        return;
      }
      const job = helper.jobs.get(a.id);
      if (!job) return;
      helper.jobs.delete(a.id);
      if (helper.jobs.size === 0) helper.worker.unref();
      if (a.member) job.resolve(Buffer.from(a.member.buffer, a.member.byteOffset, a.member.byteLength));
      else job.reject(new Error(a.error ?? `${job.kind} failed`));
      this.#dispatch();
    });
    const drop = (): void => {
      this.#helpersFailed = true;
      const at = this.#helpers.indexOf(helper);
      if (at >= 0) this.#helpers.splice(at, 1);
      // Its chunks are done here instead, first, in the order they were sent.
      this.#waiting.unshift(...helper.jobs.values());
      helper.jobs.clear();
      this.#dispatch();
    };
    helper.worker.on('error', drop);
    helper.worker.on('exit', drop);
    // After the listeners: adding a 'message' listener refs the worker's port again.
    helper.worker.unref();
    this.#helpers.push(helper);
    this.#started++;
  }

  #send(helper: Helper, job: Job): void {
    helper.id++;
    helper.jobs.set(helper.id, job);
    // A copy the worker owns: `data` is a view of the caller's buffer, which stays in use here.
    const copy = new Uint8Array(job.data);
    helper.worker.ref();
    helper.worker.postMessage({ id: helper.id, kind: job.kind, data: copy, level: job.level }, [copy.buffer]);
  }
}

let shared: GzipPool | undefined;

/**
 * The process's gzip pool. Its helpers run gzip-worker.js from beside this module (dist/util/, or
 * dist/cli-bundle/ where the CLI bundle puts both); where that is not built (the TypeScript sources under
 * a test runner) every member is compressed on the calling thread.
 */
export function gzipPool(): GzipPool {
  if (!shared) {
    const script = new URL('./gzip-worker.js', import.meta.url);
    shared = new GzipPool(
      !import.meta.url.endsWith('.ts') && existsSync(fileURLToPath(script)) ? script : undefined,
    );
  }
  return shared;
}
