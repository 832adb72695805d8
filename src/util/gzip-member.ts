import { gzip } from 'libdeflate';
import { GZIP_OS_UNIX } from './gzip-engine.js';

/** libdeflate's levels: 1 fastest … 12 smallest (minnow takes 1–9, as zlib names them). */
const MIN_LEVEL = 1;
const MAX_LEVEL = 12;

/**
 * One gzip member of `data` at `level` (mtime 0, OS byte 3): libdeflate's level 6 is 2–3 % smaller than zlib's
 * and a third faster on Go binaries. Synchronous: callers bound how much one call takes (a chunk).
 */
export function gzipMember(data: Uint8Array, level: number): Buffer {
  if (!Number.isInteger(level) || level < MIN_LEVEL || level > MAX_LEVEL) {
    throw new RangeError(`gzip level ${level} is outside ${MIN_LEVEL}–${MAX_LEVEL}`);
  }
  const out = gzip(data, level);
  const member = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  member[9] = GZIP_OS_UNIX;
  return member;
}

/**
 * Compresses a little at the default level, so that the first real member does not pay for what a first call
 * does: libdeflate's WebAssembly instantiated and compiled, its compressor's tables set up. A helper that did this
 * before saying it was ready answered its first chunk of a hello rebuild 20 ms after it was sent, against 40 ms;
 * the app layer took 123-167 ms against 173-194 (3 rounds each, 2 CPUs).
 */
export function warmGzipMember(): void {
  // Bytes with matches near and far, as code has: every loop of the matchfinder runs.
  const sample = new Uint8Array(64 << 10).map((_, i) => ((i * 7919) >> 5) ^ (i >> 11));
  gzipMember(sample, 6);
}
