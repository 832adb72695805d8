import { gearScanner, type GearScan } from './gear-scan.js';

/**
 * Where a stream of bytes is cut into chunks: `cut(data, at, final)` is the end of the chunk that starts at `at`,
 * or -1 when `data` does not yet hold enough bytes to say (never when `final`: the rest is then cut up too).
 * Every cut depends on the bytes alone, never on how they arrived, so the same input always gives the same chunks.
 */
export interface Chunker {
  /**
   * `searched`, when given, is how far past `at` an earlier call on the same bytes looked without finding a cut
   * (it returned -1): the search goes on from there instead of starting again. The cut is the same either way.
   */
  cut(data: Uint8Array, at: number, final: boolean, searched?: number): number;
  /** The fewest bytes from `at` that a cut can be found in before the input ends (cutting fewer is a waste). */
  readonly least: number;
  /** Names the cuts for cache and layer keys: other cuts give other bytes. */
  readonly key: string;
}

/** Chunks of `size` bytes (the last one shorter). */
export function fixedChunker(size: number): Chunker {
  return {
    key: `chunk ${size}`,
    least: size,
    cut: (data, at, final) => (data.length - at >= size ? at + size : final ? data.length : -1),
  };
}

/**
 * A byte's 32-bit value in the gear hash: xorshift32 from a fixed seed. These numbers are part of the layer
 * format (they decide the cuts, hence the digests): never change them without changing contentChunker's key.
 */
const GEAR = (() => {
  const table = new Int32Array(256);
  let s = 0x9e3779b9 | 0;
  for (let i = 0; i < 256; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    table[i] = s;
  }
  return table;
})();

/** The gear hash forgets a byte after 32 steps (it shifts left once per byte): a cut sees 32 bytes. */
const WINDOW = 32;

/**
 * Content-defined chunks (a gear hash, as FastCDC and restic cut): a chunk ends where the hash of its last 32
 * bytes has its top `bits` bits zero, after at least `min` bytes and at most `max`. An edit to a Go binary moves
 * the bytes after it (a longer string shifts read-only data and every reference to it); fixed-size chunks then
 * all differ, while content-defined ones after the edit are found again: after a one-line edit 35–42 % of a Go
 * binary's bytes are in chunks an earlier build had (4 % with fixed 128 KiB chunks). 17 bits, 64 KiB to
 * 512 KiB: ~200 KiB chunks, within 0.7 % of one gzip stream's size. The loop over the bytes is gear-scan.ts's.
 */
export function contentChunker(bits = 17, min = 64 << 10, max = 512 << 10): Chunker {
  const mask = (~0 << (32 - bits)) | 0;
  let scan: GearScan | undefined;
  return {
    key: `content chunks gear v1 ${bits} bits ${min}-${max}`,
    least: min + 1,
    cut(data, at, final, searched = 0) {
      const end = Math.min(data.length, at + max);
      // Cuts are looked for from `min` bytes on, or from where an earlier search stopped (none before that).
      const from = Math.max(at + min, at + searched);
      // The hash at `from` needs only the WINDOW bytes before it; no cut is looked for among those.
      const start = Math.max(at, from - WINDOW);
      if (start < end) {
        scan ??= gearScanner(GEAR, max + WINDOW);
        const cut = scan(data, start, Math.min(from, end), end, mask);
        if (cut >= 0) return cut;
      }
      if (end === at + max) return end;
      return final ? data.length : -1;
    },
  };
}
