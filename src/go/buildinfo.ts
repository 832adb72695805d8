import { open } from 'node:fs/promises';
import { MinnowError } from '../errors.js';
import { bufferSource, ElfFile, parseElfHeader, PT_LOAD, type RandomAccess } from './elf.js';

/** A Go module as its binary records it. */
export interface GoModule {
  path: string;
  /** `(devel)` for the main module of a build outside version control. */
  version: string;
  /** The go.sum hash, when the module was downloaded. */
  sum?: string;
  /** The module that replaced this one (`replace` directive). */
  replace?: GoModule;
}

/** The build info a Go binary embeds (what `go version -m` prints). */
export interface GoBuildInfo {
  /** The Go toolchain version, `go1.22.5`. */
  goVersion: string;
  /** The main package's import path. */
  path?: string;
  main?: GoModule;
  deps: GoModule[];
  /** `build` settings: -ldflags, -trimpath, CGO_ENABLED, GOARCH, vcs.revision… */
  settings: Record<string, string>;
}

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_SIZE = 32;
const ALIGN = 16;
const FLAG_BIG_ENDIAN = 0x1;
const FLAG_VERSION_INLINE = 0x2;
/** Go's reader looks 64 KiB into the data segment for the blob; inline strings may run past it. */
export const BUILDINFO_SEARCH = 64 * 1024;
/** Most bytes from the data start that are kept to decode the blob (modinfo of very large programs included). */
export const BUILDINFO_WINDOW = BUILDINFO_SEARCH + 1024 * 1024;

function uvarint(buf: Buffer, offset: number): [value: number, next: number] | undefined {
  let value = 0;
  let shift = 0;
  for (let i = offset; i < buf.length && i < offset + 10; i++) {
    const b = buf[i] as number;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, i + 1];
    shift += 7;
  }
  return undefined;
}

function decodeString(buf: Buffer, offset: number): [value: string, next: number] | undefined {
  const v = uvarint(buf, offset);
  if (!v) return undefined;
  const [len, start] = v;
  if (start + len > buf.length) return undefined;
  return [buf.toString('utf8', start, start + len), start + len];
}

/** Strips the 16-byte sentinels the linker puts around the module info. */
function trimModinfo(mod: string): string {
  if (mod.length >= 33 && mod[mod.length - 17] === '\n') return mod.slice(16, -16);
  return '';
}

/** Where the magic sits (16-byte aligned) in `data`, or -1. */
function findMagic(data: Buffer): number {
  let from = 0;
  for (;;) {
    const i = data.indexOf(MAGIC, from);
    if (i < 0 || i > BUILDINFO_SEARCH || data.length - i < HEADER_SIZE) return -1;
    if (i % ALIGN === 0) return i;
    from = i + 1;
  }
}

/** The blob located; `inline` strings are decoded, pointer-form ones need a reader of virtual addresses. */
type Located =
  | { kind: 'inline'; goVersion: string; modinfo: string }
  | { kind: 'pointers'; ptrSize: number; bigEndian: boolean; versionPtr: number; modPtr: number };

/** A pointer-sized unsigned integer of the binary's word size and byte order. */
function readPointer(buf: Buffer, offset: number, ptrSize: number, bigEndian: boolean): number {
  if (ptrSize === 8) return Number(bigEndian ? buf.readBigUInt64BE(offset) : buf.readBigUInt64LE(offset));
  return bigEndian ? buf.readUInt32BE(offset) : buf.readUInt32LE(offset);
}

function locate(data: Buffer): Located | undefined {
  const at = findMagic(data);
  if (at < 0) return undefined;
  const ptrSize = data[at + 14] as number;
  const flags = data[at + 15] as number;
  if (flags & FLAG_VERSION_INLINE) {
    const v = decodeString(data, at + HEADER_SIZE);
    if (!v) return undefined;
    const m = decodeString(data, v[1]);
    return { kind: 'inline', goVersion: v[0], modinfo: m ? trimModinfo(m[0]) : '' };
  }
  if (ptrSize !== 4 && ptrSize !== 8) return undefined;
  const bigEndian = (flags & FLAG_BIG_ENDIAN) !== 0;
  const ptr = (o: number): number => readPointer(data, o, ptrSize, bigEndian);
  return { kind: 'pointers', ptrSize, bigEndian, versionPtr: ptr(at + 16), modPtr: ptr(at + 16 + ptrSize) };
}

/** Parses the module info text (`path`, `mod`, `dep`, `=>`, `build` lines). */
export function parseModinfo(goVersion: string, text: string): GoBuildInfo {
  const info: GoBuildInfo = { goVersion, deps: [], settings: {} };
  let last: GoModule | undefined;
  for (const line of text.split('\n')) {
    const [kind, ...f] = line.split('\t');
    const mod = (): GoModule => ({
      path: f[0] ?? '',
      version: f[1] ?? '',
      ...(f[2] ? { sum: f[2] } : {}),
    });
    switch (kind) {
      case 'path':
        info.path = f[0];
        break;
      case 'mod':
        info.main = last = mod();
        break;
      case 'dep':
        last = mod();
        info.deps.push(last);
        break;
      case '=>':
        if (last) last.replace = mod();
        break;
      case 'build': {
        const kv = f.join('\t');
        const eq = kv.indexOf('=');
        if (eq > 0) {
          let value = kv.slice(eq + 1);
          if (value.startsWith('"')) {
            try {
              value = JSON.parse(value) as string;
            } catch {
              /* keep the raw value */
            }
          }
          info.settings[kv.slice(0, eq)] = value;
        }
        break;
      }
    }
  }
  return info;
}

/**
 * Decodes the build info from the bytes of the data segment's start (at least the first `BUILDINFO_SEARCH`).
 * Returns undefined when there is no Go build info, and `goVersion: 'unknown'` for the pointer form of Go before
 * 1.18 when no `readString` is given to follow the pointers.
 */
export async function decodeBuildInfo(
  data: Buffer,
  readString?: (ptr: number, ptrSize: number, bigEndian: boolean) => Promise<string>,
): Promise<GoBuildInfo | undefined> {
  const loc = locate(data);
  if (!loc) return undefined;
  if (loc.kind === 'inline') return parseModinfo(loc.goVersion, loc.modinfo);
  if (!readString) return { goVersion: 'unknown', deps: [], settings: {} };
  const goVersion = await readString(loc.versionPtr, loc.ptrSize, loc.bigEndian);
  const mod = trimModinfo(await readString(loc.modPtr, loc.ptrSize, loc.bigEndian));
  return parseModinfo(goVersion, mod);
}

/**
 * Reads the build info of a Go binary (ELF) from a file path, its bytes, or any random-access source, natively:
 * no Go toolchain. Works on stripped binaries (`-ldflags=-s -w`), which keep the build info. Returns undefined for
 * an ELF that is not a Go program; throws INVALID_ARGUMENT for a file that is not ELF.
 */
export async function readBuildInfo(
  source: string | Buffer | RandomAccess,
): Promise<GoBuildInfo | undefined> {
  if (typeof source === 'string') {
    const fh = await open(source, 'r').catch((err: unknown) => {
      throw new MinnowError('NOT_FOUND', `cannot open ${source}`, { subject: source, cause: err });
    });
    try {
      const { size } = await fh.stat();
      const ra: RandomAccess = {
        size,
        read: async (offset, length) => {
          const n = Math.max(0, Math.min(length, size - offset));
          const buf = Buffer.alloc(n);
          const { bytesRead } = await fh.read(buf, 0, n, offset);
          return buf.subarray(0, bytesRead);
        },
      };
      return await readBuildInfo(ra);
    } finally {
      await fh.close();
    }
  }
  const src = Buffer.isBuffer(source) ? bufferSource(source) : source;
  const elf = await ElfFile.open(src);
  const start = elf.dataStart();
  if (start === undefined) return undefined;
  const data = await elf.readAt(start, BUILDINFO_WINDOW);
  return decodeBuildInfo(data, async (ptr, ptrSize, bigEndian) => {
    const hdr = await elf.readAt(ptr, ptrSize * 2);
    if (hdr.length < ptrSize * 2) return '';
    const read = (o: number): number => readPointer(hdr, o, ptrSize, bigEndian);
    const len = read(ptrSize);
    if (len > BUILDINFO_WINDOW) return '';
    return (await elf.readAt(read(0), len)).toString('utf8');
  });
}

/**
 * Finds Go build info while a file streams past, without keeping the file: it reads the ELF headers from the first
 * bytes, then keeps only a window at the start of each writable loadable segment (the blob sits at the start of
 * one of them: the data segment, or after the relro segment in a PIE). Feed every chunk to `push`, then call
 * `result`. Holds at most a few MiB whatever the file size.
 */
export class BuildInfoScanner {
  #head: Buffer[] = [];
  #headLen = 0;
  #pos = 0;
  #windows: { start: number; parts: Buffer[]; len: number }[] | undefined;
  #done = false;
  /** GOARCH of the binary, once the ELF header has been seen. */
  arch: string | undefined;
  /** True when the ELF names a dynamic loader (PT_INTERP): it cannot run on an empty base. */
  dynamic = false;
  /** True once the first bytes were seen to be ELF. */
  elf = false;

  push(chunk: Buffer): void {
    if (this.#done) return;
    const chunkStart = this.#pos;
    this.#pos += chunk.length;
    if (!this.#windows) {
      this.#head.push(chunk);
      this.#headLen += chunk.length;
      if (this.#headLen < 4096) return;
      this.#startWindows();
      return;
    }
    this.#take(chunk, chunkStart);
  }

  #startWindows(): void {
    const head = Buffer.concat(this.#head);
    this.#head = [];
    const elf = parseElfHeader(head);
    const segs = elf?.programHeaders.filter((p) => p.type === PT_LOAD && (p.flags & 2) !== 0) ?? [];
    if (!elf || segs.length === 0) {
      this.#done = true;
      this.#windows = [];
      return;
    }
    this.elf = true;
    this.arch = elf.arch;
    this.dynamic = elf.dynamic;
    this.#windows = segs.slice(0, 4).map((p) => ({ start: p.offset, parts: [], len: 0 }));
    this.#take(head, 0);
  }

  #take(chunk: Buffer, chunkStart: number): void {
    let open = false;
    for (const w of this.#windows ?? []) {
      const from = Math.max(w.start + w.len, chunkStart);
      const to = Math.min(w.start + BUILDINFO_WINDOW, chunkStart + chunk.length);
      if (to > from) {
        w.parts.push(chunk.subarray(from - chunkStart, to - chunkStart));
        w.len += to - from;
      }
      if (w.len < BUILDINFO_WINDOW) open = true;
    }
    if (!open) this.#done = true;
  }

  /** The build info found, or undefined (not ELF, not Go). Call after the last chunk. */
  async result(): Promise<GoBuildInfo | undefined> {
    if (!this.#windows) this.#startWindows();
    for (const w of this.#windows ?? []) {
      if (w.len === 0) continue;
      const info = await decodeBuildInfo(Buffer.concat(w.parts));
      if (info) return info;
    }
    return undefined;
  }
}
