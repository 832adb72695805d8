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
  const u32 = littleEndian
    ? (o: number): number =>
        ((tab[o] as number) | ((tab[o + 1] as number) << 8) | ((tab[o + 2] as number) << 16)) +
        (tab[o + 3] as number) * 0x1000000
    : (o: number): number =>
        (tab[o] as number) * 0x1000000 +
        (((tab[o + 1] as number) << 16) | ((tab[o + 2] as number) << 8) | (tab[o + 3] as number));
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
  if (pclnOff + (nfunc + 1) * 8 > tab.length || pctabOff > pclnOff) throw bad('function table past its end');
  const tables = new PcTables(tab, pctabOff, pclnOff, minLC);
  const funcs: PclnFunc[] = [];
  const packages = new PackageNames(tab);
  for (let i = 0; i < nfunc; i++) {
    const ft = pclnOff + i * 8;
    const entry = u32(ft);
    const funcOff = pclnOff + u32(ft + 4);
    const nextEntry = u32(ft + 8);
    if (funcOff + 44 > tab.length) throw bad('function record past its end');
    const nameStart = funcnameOff + u32(funcOff + 4);
    const pcsp = u32(funcOff + 16);
    const npcdata = u32(funcOff + 28);
    const nfuncdata = tab[funcOff + 43] as number;
    if (funcOff + 44 + 4 * npcdata > tab.length) throw bad('function record past its end');
    const pkg = packages.of(nameStart);
    // The pcsp table covers exactly the function's code; without one (assembly stubs) the span to the next entry.
    const size = pcsp !== 0 ? Math.min(tables.pcSpan(pcsp), nextEntry - entry) : nextEntry - entry;
    const f: PclnFunc = {
      pkg,
      entry,
      size,
      tableBytes: 44 + 4 * npcdata + 4 * nfuncdata + (packages.nameEnd - nameStart + 1),
    };
    funcs.push(f);
    tables.open(f);
    tables.use(pcsp);
    tables.use(u32(funcOff + 20));
    tables.use(u32(funcOff + 24));
    for (let k = 0; k < npcdata; k++) tables.use(u32(funcOff + 44 + 4 * k));
    tables.close();
  }
  tables.finish();
  return { textStart, textSpan: u32(pclnOff + nfunc * 8), funcs };
}

/**
 * The pc-value tables (pctab) and who owns their bytes. The linker (cmd/link pcln.go `generatePctab`) lays each
 * distinct table out once, contiguously, in the order of the functions that first use it: so the tables a
 * function uses first are exactly those past every table of the functions before it, and they end where the next
 * function's first new table begins. Their bytes are counted from those offsets, without walking them; only the
 * last function's tables are walked (nothing follows them but padding), and the pcsp tables for the code they
 * cover.
 */
class PcTables {
  readonly #tab: Buffer;
  readonly #base: number;
  readonly #end: number;
  readonly #minLC: number;
  /** Highest table offset of the functions before the current one. */
  #before = 0;
  #highest = 0;
  #lowestNew = Infinity;
  /** The last function with tables of its own, and where they begin: their end is not known yet. */
  #owner: PclnFunc | undefined;
  #ownerStart = 0;
  #ownerTables: number[] = [];
  #current: PclnFunc | undefined;
  #currentTables: number[] = [];

  constructor(tab: Buffer, base: number, end: number, minLC: number) {
    this.#tab = tab;
    this.#base = base;
    this.#end = end;
    this.#minLC = minLC;
  }

  open(f: PclnFunc): void {
    this.#current = f;
    this.#lowestNew = Infinity;
    this.#currentTables.length = 0;
  }

  use(off: number): void {
    // 0 is no table; an offset past pctab is no table either (a damaged binary), not bytes to count.
    if (off === 0 || off >= this.#end - this.#base) return;
    if (off > this.#highest) this.#highest = off;
    if (off > this.#before) {
      if (off < this.#lowestNew) this.#lowestNew = off;
      this.#currentTables.push(off);
    }
  }

  close(): void {
    if (this.#lowestNew !== Infinity) {
      if (this.#owner) this.#owner.tableBytes += this.#lowestNew - this.#ownerStart;
      this.#owner = this.#current;
      this.#ownerStart = this.#lowestNew;
      // Kept for the last one only, whose end is found by walking.
      [this.#ownerTables, this.#currentTables] = [this.#currentTables, this.#ownerTables];
    }
    this.#before = this.#highest;
  }

  /** The last owner's tables, walked: the end of pctab may hold alignment padding. */
  finish(): void {
    if (!this.#owner) return;
    let end = this.#ownerStart;
    for (const off of new Set(this.#ownerTables)) end = Math.max(end, this.#walk(off, false).end);
    this.#owner.tableBytes += end - this.#ownerStart;
  }

  /** Bytes of code the pcsp table at `off` covers. */
  pcSpan(off: number): number {
    return this.#walk(off, true).pc;
  }

  /**
   * Walks a pc-value table (pairs of varints: value delta, pc delta; a zero value delta after the first ends it):
   * where it ends and, when asked, the pc it reaches.
   */
  #walk(off: number, wantPc: boolean): { end: number; pc: number } {
    const tab = this.#tab;
    const limit = this.#end;
    let p = this.#base + off;
    let pc = 0;
    for (let first = true; p < limit; first = false) {
      let b = tab[p++] as number;
      let zero = b === 0;
      while (b & 0x80 && p < limit) {
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
        } while (b & 0x80 && p < limit);
        pc += pd * this.#minLC;
      } else {
        while ((tab[p++] as number) & 0x80 && p < limit);
      }
    }
    return { end: Math.min(p, limit) - this.#base, pc };
  }
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
  /** Where the name `of` last read ends (its NUL). */
  nameEnd = 0;

  constructor(tab: Buffer) {
    this.#tab = tab;
  }

  of(start: number): string {
    const tab = this.#tab;
    const length = tab.length;
    // One pass to the NUL: the last `/` before any `[`, and the first `[`.
    let end = start;
    let slash = start - 1;
    let bracket = -1;
    for (; end < length; end++) {
      const c = tab[end] as number;
      if (c === 0) break;
      if (bracket < 0) {
        if (c === 0x2f) slash = end;
        else if (c === 0x5b) bracket = end;
      }
    }
    this.nameEnd = end;
    const baseEnd = bracket < 0 ? end : bracket;
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
      this.#sameKey(start, keyEnd - start)
    ) {
      return this.#pkg;
    }
    this.#pkg = packageOfSymbol(tab.toString('utf8', start, end));
    this.#keyStart = start;
    this.#keyEnd = keyEnd;
    return this.#pkg;
  }

  #sameKey(start: number, length: number): boolean {
    const tab = this.#tab;
    const prev = this.#keyStart;
    // Backwards: names of one package differ from another's mostly at the end of the path.
    for (let i = length - 1; i >= 0; i--) if (tab[start + i] !== tab[prev + i]) return false;
    return true;
  }
}

function bad(what: string): MinnowError {
  return new MinnowError('INVALID_ARGUMENT', `unreadable Go pclntab: ${what}`);
}
