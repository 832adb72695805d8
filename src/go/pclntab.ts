import { MinnowError } from '../errors.js';
import { packageOfSymbol } from './symbol-package.js';

/** One function as the pclntab records it: enough to size it and name its package. */
export interface PclnFunc {
  /** The import path its name begins with (symbol-package.ts `packageOfSymbol`). */
  pkg: string;
  /** Offset of its entry from the start of the text. */
  entry: number;
  /** Bytes of machine code (from its pc-value table: the linker's own size, without alignment padding). */
  size: number;
  /** Bytes of the pclntab it alone owns: its record, its name, the pc-value tables first seen with it. */
  tableBytes: number;
}

export interface Pclntab {
  /** Address of the first function's text (the header's textStart). */
  textStart: number;
  /** Bytes of text the function table spans (to the last function's end). */
  textSpan: number;
  funcs: PclnFunc[];
}

/** pcHeader magics by Go release: 1.20 and later write 0xfffffff1 (1.18 and 1.19: 0xfffffff0). */
const MAGIC_120 = 0xfffffff1;
const MAGIC_118 = 0xfffffff0;

/**
 * Reads the function table of a Go ≥ 1.18 pclntab (runtime/symtab.go `pcHeader`, `_func`): names, entries and
 * sizes of every function, which a stripped (`-s -w`) binary keeps because the runtime needs them for stack
 * traces. Throws INVALID_ARGUMENT on a layout it does not know.
 */
export function parsePclntab(tab: Buffer, littleEndian = true): Pclntab {
  const u32 = (o: number): number => (littleEndian ? tab.readUInt32LE(o) : tab.readUInt32BE(o));
  if (tab.length < 16) throw bad('too short');
  const magic = u32(0);
  if (magic !== MAGIC_120 && magic !== MAGIC_118) throw bad(`unknown magic 0x${magic.toString(16)}`);
  const minLC = tab[6] as number;
  const ptrSize = tab[7] as number;
  if (ptrSize !== 4 && ptrSize !== 8) throw bad(`pointer size ${ptrSize}`);
  const word = (i: number): number => {
    const o = 8 + i * ptrSize;
    if (ptrSize === 4) return u32(o);
    return Number(littleEndian ? tab.readBigUInt64LE(o) : tab.readBigUInt64BE(o));
  };
  const nfunc = word(0);
  const textStart = word(2);
  const funcnameOff = word(3);
  const pctabOff = word(6);
  const pclnOff = word(7);
  if (pclnOff + (nfunc + 1) * 8 > tab.length) throw bad('function table past its end');
  // Offsets of the pc-value tables already counted, one bit each: a Set of a big binary's ~10^6 offsets costs
  // more than walking the tables.
  const seen = new Uint8Array((Math.max(0, tab.length - pctabOff) >>> 3) + 1);
  let pcReached = 0;
  /**
   * Walks a pc-value table (pairs of varints: value delta, pc delta; a zero value delta after the first ends it)
   * and returns the bytes it occupies; `pcReached` is left at the pc it ends at (the code it covers).
   */
  const walk = (off: number, wantPc: boolean): number => {
    let p = pctabOff + off;
    const start = p;
    let pc = 0;
    for (let first = true; p < tab.length; first = false) {
      let b = tab[p++] as number;
      let zero = b === 0;
      while (b & 0x80 && p < tab.length) {
        b = tab[p++] as number;
        zero = false;
      }
      if (zero && !first) break;
      if (wantPc) {
        let pd = 0;
        let shift = 0;
        do {
          b = tab[p++] as number;
          pd += shift < 28 ? (b & 0x7f) << shift : (b & 0x7f) * 2 ** shift;
          shift += 7;
        } while (b & 0x80 && p < tab.length);
        pc += pd * minLC;
      } else {
        while ((tab[p++] as number) & 0x80 && p < tab.length);
      }
    }
    pcReached = pc;
    return p - start;
  };
  const owned = (off: number, wantPc = false): number => {
    if (off === 0) return 0;
    const bit = 1 << (off & 7);
    if (off >>> 3 >= seen.length || (seen[off >>> 3] as number) & bit) {
      if (wantPc) walk(off, true);
      return 0;
    }
    seen[off >>> 3] = (seen[off >>> 3] as number) | bit;
    return walk(off, wantPc);
  };
  const funcs: PclnFunc[] = [];
  const packages = new PackageNames(tab);
  for (let i = 0; i < nfunc; i++) {
    const ft = pclnOff + i * 8;
    const entry = u32(ft);
    const funcOff = pclnOff + u32(ft + 4);
    const nextEntry = u32(ft + 8);
    const nameOff = u32(funcOff + 4);
    const pcsp = u32(funcOff + 16);
    const npcdata = u32(funcOff + 28);
    const nfuncdata = tab[funcOff + 43] as number;
    const nameStart = funcnameOff + nameOff;
    const nameEnd = tab.indexOf(0, nameStart);
    const pkg = packages.of(nameStart, nameEnd < 0 ? nameStart : nameEnd);
    let tableBytes = 44 + 4 * npcdata + 4 * nfuncdata + (nameEnd - nameStart + 1);
    // The pcsp table covers exactly the function's code; without one (assembly stubs) the span to the next entry.
    tableBytes += owned(pcsp, true);
    const size = pcsp !== 0 ? Math.min(pcReached, nextEntry - entry) : nextEntry - entry;
    tableBytes += owned(u32(funcOff + 20)) + owned(u32(funcOff + 24));
    for (let k = 0; k < npcdata; k++) tableBytes += owned(u32(funcOff + 44 + 4 * k));
    funcs.push({ pkg, entry, size, tableBytes });
  }
  return { textStart, textSpan: u32(pclnOff + nfunc * 8), funcs };
}

/**
 * The package of each function name, decoding a name only when its package part (the bytes before the first `.`
 * after the last `/`, `[` ending the name: what packageOfSymbol reads) differs from the previous name's. The
 * linker lays functions out package by package, so a binary's ~10^5 names decode to a few thousand strings.
 */
class PackageNames {
  readonly #tab: Buffer;
  #keyStart = 0;
  #keyEnd = -1;
  #pkg = '';

  constructor(tab: Buffer) {
    this.#tab = tab;
  }

  of(start: number, end: number): string {
    const tab = this.#tab;
    let baseEnd = end;
    let slash = start - 1;
    for (let i = start; i < end; i++) {
      const c = tab[i] as number;
      if (c === 0x5b) {
        baseEnd = i;
        break;
      }
      if (c === 0x2f) slash = i;
    }
    let keyEnd = -1;
    for (let i = slash + 1; i < baseEnd; i++) {
      if (tab[i] === 0x2e) {
        keyEnd = i;
        break;
      }
    }
    // Without a dot the name is its own key; it is decoded.
    if (
      keyEnd >= 0 &&
      keyEnd - start === this.#keyEnd - this.#keyStart &&
      tab.compare(tab, this.#keyStart, this.#keyEnd, start, keyEnd) === 0
    ) {
      return this.#pkg;
    }
    this.#pkg = packageOfSymbol(tab.toString('utf8', start, end));
    this.#keyStart = start;
    this.#keyEnd = keyEnd;
    return this.#pkg;
  }
}

function bad(what: string): MinnowError {
  return new MinnowError('INVALID_ARGUMENT', `unreadable Go pclntab: ${what}`);
}
