import { MinnowError } from '../errors.js';

/** A source of bytes read at offsets (a file, or a buffer). */
export interface RandomAccess {
  /** Up to `length` bytes at `offset` (fewer at the end of the source). */
  read(offset: number, length: number): Promise<Buffer>;
  size: number;
}

/** A RandomAccess over bytes in memory. */
export function bufferSource(data: Buffer): RandomAccess {
  return {
    size: data.length,
    read: async (offset, length) => data.subarray(offset, Math.min(data.length, offset + length)),
  };
}

/** ELF machine numbers minnow names, as GOARCH. */
const MACHINES: Record<number, string> = {
  3: '386',
  8: 'mips',
  20: 'ppc',
  21: 'ppc64',
  22: 's390x',
  40: 'arm',
  62: 'amd64',
  183: 'arm64',
  243: 'riscv64',
  258: 'loong64',
};

/** GOARCH of a machine number: one number covers MIPS and POWER of both byte orders and word sizes. */
function archOf(machine: number, is64: boolean, littleEndian: boolean): string {
  const name = MACHINES[machine];
  if (name === 'mips') return `mips${is64 ? '64' : ''}${littleEndian ? 'le' : ''}`;
  if (name === 'ppc64' && littleEndian) return 'ppc64le';
  return name ?? 'unknown';
}

export interface ElfProgramHeader {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
}

export interface ElfSection {
  name: string;
  type: number;
  addr: number;
  offset: number;
  size: number;
}

/** What the ELF header and program headers say: enough to tell a static Go binary from a dynamic one. */
export interface ElfHeader {
  class: 32 | 64;
  littleEndian: boolean;
  /** ET_EXEC 2, ET_DYN 3 (PIE or shared library). */
  type: number;
  machine: number;
  /** GOARCH name of the machine, or `unknown`. */
  arch: string;
  programHeaders: ElfProgramHeader[];
  /** True when a PT_INTERP segment names a dynamic loader. */
  dynamic: boolean;
  shoff: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

export const PT_LOAD = 1;
const PT_INTERP = 3;
const PF_W = 2;

const PF_X = 1;

/** A loadable segment that is writable and not executable: where Go's linker puts data (and the build info). */
export function isDataSegment(p: ElfProgramHeader): boolean {
  return p.type === PT_LOAD && (p.flags & (PF_W | PF_X)) === PF_W;
}

/** True when `head` starts with the ELF magic. */
export function isElf(head: Buffer): boolean {
  return head.length >= 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
}

function reader(buf: Buffer, le: boolean, is64: boolean) {
  return {
    u16: (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o)),
    u32: (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o)),
    addr: (o: number) =>
      is64
        ? Number(le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o))
        : le
          ? buf.readUInt32LE(o)
          : buf.readUInt32BE(o),
  };
}

/**
 * Parses the ELF header and program headers from the first bytes of a file (4 KiB is enough for every Go binary).
 * Returns undefined when `head` is not ELF or too short to hold its program headers.
 */
export function parseElfHeader(head: Buffer): ElfHeader | undefined {
  if (!isElf(head) || head.length < 52) return undefined;
  const cls = head[4];
  const data = head[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) return undefined;
  const is64 = cls === 2;
  const le = data === 1;
  if (is64 && head.length < 64) return undefined;
  const r = reader(head, le, is64);
  const type = r.u16(16);
  const machine = r.u16(18);
  const phoff = r.addr(is64 ? 32 : 28);
  const shoff = r.addr(is64 ? 40 : 32);
  const phentsize = r.u16(is64 ? 54 : 42);
  const phnum = r.u16(is64 ? 56 : 44);
  const shentsize = r.u16(is64 ? 58 : 46);
  const shnum = r.u16(is64 ? 60 : 48);
  const shstrndx = r.u16(is64 ? 62 : 50);
  const programHeaders: ElfProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (o + (is64 ? 56 : 32) > head.length) return undefined;
    programHeaders.push(
      is64
        ? {
            type: r.u32(o),
            flags: r.u32(o + 4),
            offset: r.addr(o + 8),
            vaddr: r.addr(o + 16),
            filesz: r.addr(o + 32),
            memsz: r.addr(o + 40),
          }
        : {
            type: r.u32(o),
            offset: r.u32(o + 4),
            vaddr: r.u32(o + 8),
            filesz: r.u32(o + 16),
            memsz: r.u32(o + 20),
            flags: r.u32(o + 24),
          },
    );
  }
  return {
    class: is64 ? 64 : 32,
    littleEndian: le,
    type,
    machine,
    arch: archOf(machine, is64, le),
    programHeaders,
    dynamic: programHeaders.some((p) => p.type === PT_INTERP),
    shoff,
    shentsize,
    shnum,
    shstrndx,
  };
}

/** An ELF file opened for random access: header, sections, and reads by virtual address. */
export class ElfFile {
  readonly header: ElfHeader;
  readonly sections: ElfSection[];
  readonly #src: RandomAccess;

  private constructor(src: RandomAccess, header: ElfHeader, sections: ElfSection[]) {
    this.#src = src;
    this.header = header;
    this.sections = sections;
  }

  /** Opens `src` as ELF; throws INVALID_ARGUMENT when it is not one. */
  static async open(src: RandomAccess): Promise<ElfFile> {
    const head = await src.read(0, 64 * 1024);
    const header = parseElfHeader(head);
    if (!header) throw new MinnowError('INVALID_ARGUMENT', 'not an ELF file (or its headers are truncated)');
    const sections: ElfSection[] = [];
    const is64 = header.class === 64;
    if (header.shoff > 0 && header.shnum > 0 && header.shoff + header.shnum * header.shentsize <= src.size) {
      const table = await src.read(header.shoff, header.shnum * header.shentsize);
      const r = reader(table, header.littleEndian, is64);
      const raw = [];
      for (let i = 0; i < header.shnum; i++) {
        const o = i * header.shentsize;
        raw.push({
          nameOff: r.u32(o),
          type: r.u32(o + 4),
          addr: r.addr(is64 ? o + 16 : o + 12),
          offset: r.addr(is64 ? o + 24 : o + 16),
          size: r.addr(is64 ? o + 32 : o + 20),
        });
      }
      const strtab = raw[header.shstrndx];
      const names =
        strtab && strtab.size < 1 << 20 ? await src.read(strtab.offset, strtab.size) : Buffer.alloc(0);
      for (const s of raw) {
        const end = names.indexOf(0, s.nameOff);
        const name =
          s.nameOff < names.length ? names.toString('latin1', s.nameOff, end < 0 ? undefined : end) : '';
        sections.push({ name, type: s.type, addr: s.addr, offset: s.offset, size: s.size });
      }
    }
    return new ElfFile(src, header, sections);
  }

  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /**
   * Where Go's build info blob is to be searched, as Go's own debug/buildinfo does: the .go.buildinfo section when
   * there is one, else the first writable (not executable) loadable segment, whole.
   */
  dataRegion(): { addr: number; size: number } | undefined {
    const s = this.section('.go.buildinfo');
    if (s) return { addr: s.addr, size: s.size };
    const p = this.header.programHeaders.find(isDataSegment);
    return p ? { addr: p.vaddr, size: p.filesz } : undefined;
  }

  /** Reads `length` bytes at virtual address `addr` from the loadable segment that holds it. */
  async readAt(addr: number, length: number): Promise<Buffer> {
    for (const p of this.header.programHeaders) {
      if (p.type !== PT_LOAD || addr < p.vaddr || addr >= p.vaddr + p.filesz) continue;
      const n = Math.min(length, p.vaddr + p.filesz - addr);
      return this.#src.read(p.offset + (addr - p.vaddr), n);
    }
    return Buffer.alloc(0);
  }
}
