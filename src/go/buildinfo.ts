import { open } from 'node:fs/promises';
import { MinnowError } from '../errors.js';
import { bufferSource, ElfFile, type RandomAccess } from './elf.js';

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
/** Most bytes from the magic that are kept to decode the blob (modinfo of very large programs included). */
export const BUILDINFO_WINDOW = 1024 * 1024;
/** Bytes read at a time while searching a data segment for the magic, as Go's debug/buildinfo does. */
const SEARCH_CHUNK = 1024 * 1024;

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

/**
 * Where the magic sits in `data`, or -1. `base` is the virtual address (or any number congruent to it modulo 16)
 * of `data[0]`: the blob is 16-byte aligned in memory, so unaligned look-alikes are skipped.
 */
export function findMagic(data: Buffer, base = 0): number {
  let from = 0;
  for (;;) {
    const i = data.indexOf(MAGIC, from);
    if (i < 0 || data.length - i < HEADER_SIZE) return -1;
    if ((base + i) % ALIGN === 0) return i;
    from = i + 1;
  }
}

/** Bytes a search over chunks must carry from one chunk to the next so a magic across the seam is seen. */
export const MAGIC_CARRY = HEADER_SIZE - 1;

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
 * Decodes the build info from bytes holding the blob (the magic is searched for, 16-byte aligned relative to
 * `data[0]`). Returns undefined when there is no Go build info, and `goVersion: 'unknown'` for the pointer form of Go before
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
  const region = elf.dataRegion();
  if (!region) return undefined;
  const at = await searchMagic(elf, region.addr, region.size);
  if (at === undefined) return undefined;
  const data = await elf.readAt(at, BUILDINFO_WINDOW);
  return decodeBuildInfo(data, async (ptr, ptrSize, bigEndian) => {
    const hdr = await elf.readAt(ptr, ptrSize * 2);
    if (hdr.length < ptrSize * 2) return '';
    const read = (o: number): number => readPointer(hdr, o, ptrSize, bigEndian);
    const len = read(ptrSize);
    if (len > BUILDINFO_WINDOW) return '';
    return (await elf.readAt(read(0), len)).toString('utf8');
  });
}

/** The virtual address of the magic in [addr, addr+size), read a chunk at a time; undefined when absent. */
async function searchMagic(elf: ElfFile, addr: number, size: number): Promise<number | undefined> {
  const end = addr + size;
  for (let start = addr; start < end; start += SEARCH_CHUNK - MAGIC_CARRY) {
    const data = await elf.readAt(start, Math.min(SEARCH_CHUNK, end - start));
    const i = findMagic(data, start);
    if (i >= 0) return start + i;
    if (data.length < SEARCH_CHUNK) return undefined;
  }
  return undefined;
}
