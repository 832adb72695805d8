import { BUILDINFO_WINDOW, decodeBuildInfo, findMagic, MAGIC_CARRY, type GoBuildInfo } from './buildinfo.js';
import { isDataSegment, parseElfHeader, type RandomAccess } from './elf.js';

/** The first bytes, where the ELF and program headers are read from. */
const HEAD = 4096;
/** Bytes per read of `scanBuildInfoAt`. */
const READ_CHUNK = 1024 * 1024;

/** A data segment being searched: file range, virtual address, and the seam bytes of the previous chunk. */
interface Segment {
  offset: number;
  end: number;
  vaddr: number;
  carry: Buffer;
}

/**
 * Finds Go build info while a file streams past, without keeping the file: it reads the ELF headers from the first
 * bytes, then searches every data segment (writable, not executable) for the 16-byte aligned magic, as Go's
 * debug/buildinfo does, and keeps a window from the magic on. Section headers sit at the end of the file, so the
 * `.go.buildinfo` section cannot be used; searching whole segments finds the blob where an external linker (cgo)
 * put it far from the segment start. Feed every chunk to `push`, then call `result`. Holds about 1 MiB whatever
 * the file size.
 */
export class BuildInfoScanner {
  #head: Buffer[] = [];
  #headLen = 0;
  #pos = 0;
  #segments: Segment[] | undefined;
  #found: { parts: Buffer[]; len: number } | undefined;
  #done = false;
  /** GOARCH of the binary, once the ELF header has been seen. */
  arch: string | undefined;
  /** True when the ELF names a dynamic loader (PT_INTERP): it cannot run on an empty base. */
  dynamic = false;
  /** True once the first bytes were seen to be ELF. */
  elf = false;

  /** True once no more bytes can change the answer (not ELF, the blob's window kept, every data segment passed). */
  get done(): boolean {
    return this.#done;
  }

  /**
   * The first offset at or after `pos` whose bytes can change the answer, once the head has been seen: `pos` itself
   * while the blob's window fills, else the next part of a data segment not yet searched; undefined when none.
   */
  nextWanted(pos: number): number | undefined {
    if (this.#done || !this.#segments) return this.#done ? undefined : pos;
    if (this.#found) return pos;
    let next: number | undefined;
    for (const seg of this.#segments) {
      if (seg.end <= pos) continue;
      const at = Math.max(seg.offset, pos);
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  /** `push` for a chunk that starts at file offset `at`, at or after the end of the last one pushed. */
  pushAt(chunk: Buffer, at: number): void {
    this.#pos = at;
    this.push(chunk);
  }

  push(chunk: Buffer): void {
    if (this.#done) return;
    const chunkStart = this.#pos;
    this.#pos += chunk.length;
    if (!this.#segments) {
      // Kept past this call only while the head is short: a copy, as the caller may reuse the chunk's buffer.
      this.#headLen += chunk.length;
      this.#head.push(this.#headLen < HEAD ? Buffer.from(chunk) : chunk);
      if (this.#headLen < HEAD) return;
      this.#start();
      return;
    }
    this.#take(chunk, chunkStart);
  }

  #start(): void {
    // Read now and not kept (what #take keeps it copies): one part needs no copy.
    const head = this.#head.length === 1 ? (this.#head[0] as Buffer) : Buffer.concat(this.#head);
    this.#head = [];
    const elf = parseElfHeader(head);
    const segs = elf?.programHeaders.filter(isDataSegment) ?? [];
    this.#segments = segs.map((p) => ({
      offset: p.offset,
      end: p.offset + p.filesz,
      vaddr: p.vaddr,
      carry: Buffer.alloc(0),
    }));
    if (!elf || segs.length === 0) {
      this.#done = true;
      return;
    }
    this.elf = true;
    this.arch = elf.arch;
    this.dynamic = elf.dynamic;
    this.#take(head, 0);
  }

  #take(chunk: Buffer, chunkStart: number): void {
    if (this.#found) {
      this.#keep(chunk);
      return;
    }
    const chunkEnd = chunkStart + chunk.length;
    for (const seg of this.#segments ?? []) {
      const from = Math.max(seg.offset, chunkStart);
      const to = Math.min(seg.end, chunkEnd);
      if (to <= from) continue;
      const part = chunk.subarray(from - chunkStart, to - chunkStart);
      const buf = seg.carry.length > 0 ? Buffer.concat([seg.carry, part]) : part;
      const bufStart = from - seg.carry.length;
      const i = findMagic(buf, seg.vaddr + (bufStart - seg.offset));
      if (i >= 0) {
        this.#found = { parts: [], len: 0 };
        this.#keep(buf.subarray(i));
        // The rest of the chunk past this segment's part, for a blob whose strings run on.
        if (to < chunkEnd) this.#keep(chunk.subarray(to - chunkStart));
        return;
      }
      // Copied so the carry does not pin the whole chunk.
      seg.carry = Buffer.from(buf.subarray(Math.max(0, buf.length - MAGIC_CARRY)));
    }
    if (this.#segments?.every((s) => chunkEnd >= s.end)) this.#done = true;
  }

  #keep(chunk: Buffer): void {
    const f = this.#found as { parts: Buffer[]; len: number };
    const n = Math.min(chunk.length, BUILDINFO_WINDOW - f.len);
    f.parts.push(Buffer.from(chunk.subarray(0, n)));
    f.len += n;
    if (f.len >= BUILDINFO_WINDOW) this.#done = true;
  }

  /** The build info found, or undefined (not ELF, not Go). Call after the last chunk. */
  async result(): Promise<GoBuildInfo | undefined> {
    if (!this.#segments) this.#start();
    if (!this.#found) return undefined;
    return decodeBuildInfo(Buffer.concat(this.#found.parts));
  }
}

/**
 * Scans a file read at offsets as a `BuildInfoScanner` scans it streaming, with the same answer, reading only the
 * head, the data segments and the blob's window: not the code and read-only data in between (most of a binary).
 */
export async function scanBuildInfoAt(src: RandomAccess): Promise<BuildInfoScanner> {
  const scanner = new BuildInfoScanner();
  const head = await src.read(0, Math.min(HEAD, src.size));
  scanner.push(head);
  for (let pos = head.length; pos < src.size && !scanner.done;) {
    const at = scanner.nextWanted(pos);
    if (at === undefined || at >= src.size) break;
    const chunk = await src.read(at, Math.min(READ_CHUNK, src.size - at));
    if (chunk.length === 0) break;
    scanner.pushAt(chunk, at);
    pos = at + chunk.length;
  }
  return scanner;
}
