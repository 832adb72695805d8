import { Transform } from 'node:stream';
import { MinnowError } from '../errors.js';
import { isTarHeader } from './tar-head.js';

const BLOCK = 512;
/** Most bytes of one PAX header: Go's archive/tar caps them at 1 MiB too. */
export const MAX_PAX_BYTES = 1024 * 1024;

/**
 * A tar number field (`length` bytes at `at`, the whole buffer by default): octal text, or GNU base-256 (high bit
 * set). Undefined for a negative base-256 value or a field that is not a number, both of which Go's archive/tar
 * refuses. Read in place: a header walker calls it for every entry.
 */
export function tarNumber(field: Buffer, at = 0, length = field.length - at): number | undefined {
  const end = at + length;
  const first = field[at] ?? 0;
  if (first & 0x80) {
    if (first === 0xff) return undefined;
    let n = first & 0x7f;
    for (let i = at + 1; i < end; i++) n = n * 256 + (field[i] as number);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  // The common field (spaces, octal digits, spaces, then a NUL or the end) without making a string.
  let i = at;
  while (i < end && field[i] === 0x20) i++;
  let n = 0;
  for (; i < end; i++) {
    const c = field[i] as number;
    if (c < 0x30 || c > 0x37) break;
    n = n * 8 + (c - 0x30);
  }
  let j = i;
  while (j < end && field[j] === 0x20) j++;
  if (j === end || field[j] === 0) return n;
  const text = field.toString('latin1', at, end).replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : undefined;
}

/**
 * The records of a PAX extended header (`LEN KEY=VALUE\n`, LEN counting the whole record), read strictly as Go's
 * archive/tar reads them: a length that does not end its record at a newline, a missing `=`, or an empty key fail
 * with INVALID_IMAGE instead of turning the rest of the header into a file name.
 */
export function parsePaxRecords(data: Buffer, what: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of parsePaxRecordsRaw(data, what)) out.set(key, value.toString('utf8'));
  return out;
}

/** `parsePaxRecords` with each value's raw bytes (a `security.capability` value is binary, not UTF-8). */
export function parsePaxRecordsRaw(data: Buffer, what: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const bad = (why: string): MinnowError =>
    new MinnowError('INVALID_IMAGE', `${what}: malformed PAX record: ${why}`, { subject: what });
  let i = 0;
  // A header may end with NUL padding (some writers pad it to a block).
  while (i < data.length && data[i] !== 0) {
    const sp = data.indexOf(0x20, i);
    const lenText = sp < 0 ? '' : data.toString('latin1', i, sp);
    if (!/^[1-9][0-9]{0,7}$/.test(lenText)) throw bad(`no record length at byte ${i}`);
    const end = i + Number(lenText);
    if (end > data.length || end <= sp + 1 || data[end - 1] !== 0x0a) {
      throw bad(`the length ${lenText} at byte ${i} does not end its record`);
    }
    // '=' (0x3d) is never part of a multi-byte UTF-8 sequence: the first one ends the key, whatever the bytes.
    const eq = data.indexOf(0x3d, sp + 1);
    if (eq <= sp + 1 || eq >= end - 1) throw bad(`no key at byte ${i}`);
    out.set(data.toString('utf8', sp + 1, eq), data.subarray(eq + 1, end - 1));
    i = end;
  }
  return out;
}

/**
 * A pass-through that walks every tar header of the stream (skipping file data) and fails with INVALID_IMAGE,
 * naming `what` and the byte offset, at the first header that is not a tar header, a size that is negative or not
 * a number, or a malformed or oversized PAX header. Data is not copied; only headers and PAX records are read.
 */
export function tarCheck(what: string): Transform {
  let offset = 0;
  let skip = 0;
  let head = Buffer.alloc(0);
  let pax: { chunks: Buffer[]; left: number; at: number } | undefined;
  let ended = false;
  let empty = true;
  const refuse = (why: string): MinnowError =>
    new MinnowError('INVALID_IMAGE', `${what} ${why}`, {
      subject: what,
      hint: 'a layer must be a tar (optionally gzip or zstd compressed); rebuild the base image',
    });

  const header = (block: Buffer, at: number): void => {
    if (!isTarHeader(block)) {
      throw refuse(at === 0 ? 'is not a tar archive' : `is not a tar archive (bad header at byte ${at})`);
    }
    if (block.every((b) => b === 0)) {
      // End of archive: whatever follows is padding.
      ended = true;
      return;
    }
    const size = tarNumber(block.subarray(124, 136));
    if (size === undefined) throw refuse(`has a tar header with an invalid size at byte ${at}`);
    const type = String.fromCharCode(block[156] ?? 0);
    if (type === 'x' || type === 'g') {
      if (size > MAX_PAX_BYTES)
        throw refuse(`has a PAX header of ${size} bytes at byte ${at}, over ${MAX_PAX_BYTES}`);
      pax = { chunks: [], left: size, at };
      if (size === 0) finishPax();
    }
    skip = Math.ceil(size / BLOCK) * BLOCK;
  };
  const finishPax = (): void => {
    const p = pax!;
    pax = undefined;
    parsePaxRecords(Buffer.concat(p.chunks), `${what} (PAX header at byte ${p.at})`);
  };

  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      try {
        if (chunk.length) empty = false;
        let off = 0;
        while (off < chunk.length && !ended) {
          if (skip > 0) {
            const n = Math.min(skip, chunk.length - off);
            if (pax && pax.left > 0) {
              const take = Math.min(n, pax.left);
              pax.chunks.push(chunk.subarray(off, off + take));
              pax.left -= take;
              if (pax.left === 0) finishPax();
            }
            skip -= n;
            off += n;
            continue;
          }
          const need = BLOCK - head.length;
          const part = chunk.subarray(off, off + need);
          head = head.length ? Buffer.concat([head, part]) : Buffer.from(part);
          off += part.length;
          if (head.length === BLOCK) {
            const at = offset + off - BLOCK;
            const block = head;
            head = Buffer.alloc(0);
            header(block, at);
          }
        }
        offset += chunk.length;
      } catch (err) {
        done(err as Error);
        return;
      }
      done(null, chunk);
    },
    flush(done) {
      // Only the empty stream is an (empty) archive; a stream cut inside a header is not one.
      if (!empty && offset < BLOCK) return done(refuse('is not a tar archive'));
      done();
    },
  });
}
