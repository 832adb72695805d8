import { MinnowError } from '../errors.js';
import { attributeBinary } from '../go/attribution.js';
import type { GoBuildInfo } from '../go/buildinfo.js';
import { BuildInfoScanner, scanBuildInfoAt } from '../go/buildinfo-scanner.js';
import type { BlobFile, TarEntrySink } from '../oci/index.js';
import { analysisPool, type AnalysisPool } from './analysis-pool.js';
import { regionSource, withRegionFile } from './region-source.js';
import { scanForSecrets, SECRET_SCAN_BYTES, secretKind } from './secrets.js';
import type { FileInfo } from './types.js';

/** Go binaries larger than this are not attributed (their bytes are held in memory while they stream). */
export const MAX_ATTRIBUTED_BINARY = 1 << 30;

/** What to look for in a file's bytes besides ELF headers and Go build info. */
export interface ContentWanted {
  /** Keep the whole content (a small system database the rules read); called with it at the end. */
  capture?: (data: Buffer) => void;
  /** Attribute a Go binary's bytes to kinds, modules and packages, holding the file's bytes here while it streams. */
  attribute?: BinaryAttributor;
  /**
   * Where the file's bytes lie on disk (an uncompressed layer in a local file): the worker reads a Go binary
   * there instead of being sent a copy.
   */
  at?: BlobFile;
}

/** Most bytes of binaries handed to the attribution worker and not yet answered; past it the walk waits. */
const MAX_IN_FLIGHT = 96 * 1024 * 1024;

/**
 * Attributes the Go binaries of one layer read. With the worker (analysis-pool.ts), a binary that lies in a
 * local file is read there by the worker, any other's bytes are moved to it, and the walk goes on; without it,
 * one buffer grown to the largest binary holds each in turn and the walk waits for each attribution (a fresh
 * buffer per binary, ~200 MB over the Go toolchain, kept the garbage collector busy for nothing). Either way
 * memory is bounded: by MAX_IN_FLIGHT, or by the largest binary.
 */
export class BinaryAttributor {
  /** Started at the first binary: an image without any does not pay the worker's start. */
  #pool: AnalysisPool | undefined | null = null;
  #scratch = Buffer.alloc(0);
  #inFlight = 0;
  readonly #pending = new Set<Promise<void>>();

  #worker(): AnalysisPool | undefined {
    if (this.#pool === null) this.#pool = analysisPool();
    return this.#pool;
  }

  /** A buffer for a binary of `size` bytes. */
  take(size: number): Buffer {
    if (this.#worker()) return Buffer.allocUnsafeSlow(size);
    if (this.#scratch.length < size) this.#scratch = Buffer.allocUnsafe(size);
    return this.#scratch.subarray(0, size);
  }

  /** Sets `info.attribution` from `bytes` (from `take`); a promise when the walk must wait before going on. */
  attribute(info: FileInfo, bytes: Buffer, go: GoBuildInfo): Promise<void> | undefined {
    const unreadable = this.#unreadable;
    if (!this.#pool) {
      return attributeBinary(bytes, go).then((a) => {
        info.attribution = a;
      }, unreadable);
    }
    const size = bytes.length;
    this.#inFlight += size;
    const job: Promise<void> = this.#pool
      .attribute(bytes, go)
      .then((a) => {
        info.attribution = a;
      }, unreadable)
      .finally(() => {
        this.#inFlight -= size;
        this.#pending.delete(job);
      });
    // Handled here, so a failure waits for `settled` instead of crashing the process as unhandled.
    job.catch(() => undefined);
    this.#pending.add(job);
    return this.#inFlight > MAX_IN_FLIGHT ? this.#drain(MAX_IN_FLIGHT) : undefined;
  }

  /** Whether a binary in a local file can be attributed there (by the worker), with no copy of its bytes. */
  readsFiles(): boolean {
    return this.#worker() !== undefined;
  }

  /** Sets `info.attribution` from the binary at `file`, read by the worker (`readsFiles()` said it can). */
  attributeFile(info: FileInfo, file: BlobFile, go: GoBuildInfo): void {
    const pool = this.#pool;
    if (!pool) throw new Error('attributeFile without the analysis worker');
    const job: Promise<void> = pool
      .attributeFile(file, go)
      .then((a) => {
        info.attribution = a;
      }, this.#unreadable)
      .finally(() => this.#pending.delete(job));
    job.catch(() => undefined);
    this.#pending.add(job);
  }

  readonly #unreadable = (err: unknown): void => {
    // An ELF this reader does not understand (another pclntab layout): reported without attribution.
    if (!(err instanceof MinnowError)) throw err;
  };

  /** Resolves once every binary handed over is attributed (throws what attributing one threw). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.race(this.#pending);
  }

  async #drain(below: number): Promise<void> {
    while (this.#inFlight > below && this.#pending.size > 0) await Promise.race(this.#pending);
  }
}

const isElf = (head: Buffer): boolean =>
  head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;

/**
 * Looks inside one regular file as it streams past, filling in `info`: ELF architecture and linking, Go build
 * info, the attribution of a Go binary (when wanted: the one file's bytes are held until its end, so memory is
 * bounded by the largest binary), and for other text files the kind of credential their start holds. What it finds
 * does not depend on how the data was cut into chunks. An ELF that lies in a local file (`wanted.at`) is read
 * there at its end, its headers, data segments and build info only (and attributed there by the worker): the sink
 * wants none of its stream past the first bytes, so the walk can skip them (`wantsMore`).
 */
export function fileContentSink(info: FileInfo, wanted: ContentWanted): TarEntrySink {
  return new FileContentSink(info, wanted);
}

/**
 * One file's sink, as a class: a walk makes one per regular file (15k over the Go toolchain), and an object with
 * fields costs the garbage collector less than a dozen closures and their contexts.
 */
class FileContentSink implements TarEntrySink {
  readonly #info: FileInfo;
  readonly #wanted: ContentWanted;
  #capture: Buffer[] | undefined;
  /** The first bytes, until there are 4 to tell an ELF by. */
  #pending: Buffer[] | undefined = [];
  #pendingLen = 0;
  #scanner: BuildInfoScanner | undefined;
  #whole: Buffer | undefined;
  #wholeLen = 0;
  #inFile: BlobFile | undefined;
  /** Where the ELF is read at its end, when it lies in a local file and is not to be held in memory. */
  #elfAt: BlobFile | undefined;
  // Text files outside package-owned trees: their start is searched for credentials (kind kept, value not).
  #secretHead: Buffer[] | undefined;
  #secretLeft = 0;

  constructor(info: FileInfo, wanted: ContentWanted) {
    this.#info = info;
    this.#wanted = wanted;
    if (wanted.capture) this.#capture = [];
  }

  // Chunks are lent (the reader may reuse their buffer): whatever outlives a call is copied.
  data(chunk: Buffer): void {
    this.#capture?.push(Buffer.from(chunk));
    const pending = this.#pending;
    if (pending) {
      this.#pendingLen += chunk.length;
      pending.push(this.#pendingLen >= 4 ? chunk : Buffer.from(chunk));
      if (this.#pendingLen >= 4) this.#decide();
      return;
    }
    this.#take(chunk);
  }

  wantsMore(): boolean {
    return (
      this.#pending !== undefined ||
      this.#capture !== undefined ||
      this.#scanner !== undefined ||
      (this.#secretHead !== undefined && this.#secretLeft > 0)
    );
  }

  end(): Promise<void> | undefined {
    if (this.#pending) this.#decide();
    const info = this.#info;
    if (this.#capture) this.#wanted.capture?.(Buffer.concat(this.#capture));
    if (this.#secretHead) {
      const kind = secretKind(Buffer.concat(this.#secretHead).toString('latin1'));
      if (kind) info.secretContent = kind;
    }
    const at = this.#elfAt;
    if (at)
      return withRegionFile(at, (fd) => scanBuildInfoAt(regionSource(fd, at))).then((s) => this.#found(s));
    return this.#scanner ? this.#found(this.#scanner) : undefined;
  }

  #take(chunk: Buffer): void {
    const scanner = this.#scanner;
    if (scanner) {
      scanner.push(chunk);
      if (this.#whole) {
        chunk.copy(this.#whole, this.#wholeLen);
        this.#wholeLen += chunk.length;
      }
    } else if (this.#secretHead && this.#secretLeft > 0) {
      const part = chunk.subarray(0, this.#secretLeft);
      this.#secretHead.push(Buffer.from(part));
      this.#secretLeft -= part.length;
    }
  }

  #decide(): void {
    const parts = this.#pending ?? [];
    this.#pending = undefined;
    const info = this.#info;
    const wanted = this.#wanted;
    const head = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    if (info.size >= 64 && isElf(head)) {
      if (wanted.at && (!wanted.attribute || wanted.attribute.readsFiles())) {
        this.#elfAt = wanted.at;
        if (wanted.attribute) this.#inFile = wanted.at;
        return;
      }
      this.#scanner = new BuildInfoScanner();
      if (wanted.attribute && info.size <= MAX_ATTRIBUTED_BINARY)
        this.#whole = wanted.attribute.take(info.size);
    } else if (scanForSecrets(info.path, info.size)) {
      this.#secretHead = [];
      this.#secretLeft = SECRET_SCAN_BYTES;
    }
    for (const p of parts) this.#take(p);
  }

  async #found(s: BuildInfoScanner): Promise<void> {
    const info = this.#info;
    const go = await s.result();
    if (s.elf) info.elf = { arch: s.arch ?? 'unknown', dynamic: s.dynamic };
    if (!go) return undefined;
    info.go = go;
    if (this.#inFile) return this.#wanted.attribute?.attributeFile(info, this.#inFile, go);
    return this.#whole && this.#wanted.attribute?.attribute(info, this.#whole, go);
  }
}
