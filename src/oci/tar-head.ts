import { Transform } from 'node:stream';
import { MinnowError } from '../errors.js';

/** A tar block: headers and data are written in 512-byte units. */
const BLOCK = 512;

/**
 * True when `block` (the first 512 bytes of a stream) starts a tar archive: an all-zero end-of-archive block or a
 * header whose checksum (bytes 148–155, octal) matches the sum of its bytes with that field read as spaces, as
 * Go's archive/tar and GNU tar check it (signed and unsigned sums both accepted).
 */
export function isTarHeader(block: Buffer): boolean {
  if (block.length < BLOCK) return false;
  let unsigned = 0;
  let signed = 0;
  let zero = true;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (block[i] as number);
    if (block[i] !== 0) zero = false;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  if (zero) return true;
  const field = block
    .subarray(148, 156)
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .trim();
  if (!/^[0-7]{1,7}$/.test(field)) return false;
  const sum = parseInt(field, 8);
  return sum === unsigned || sum === signed;
}

/**
 * A pass-through that fails with INVALID_IMAGE unless the stream is empty or starts with a tar header, so a layer
 * that is not a tar at all (an ELF, a JSON file, random bytes) is refused instead of shipped.
 */
export function tarHeadCheck(what: string): Transform {
  let head: Buffer | undefined = Buffer.alloc(0);
  const refuse = (): MinnowError =>
    new MinnowError('INVALID_IMAGE', `${what} is not a tar archive`, {
      subject: what,
      hint: 'a layer must be a tar (optionally gzip or zstd compressed); rebuild the base image',
    });
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (head !== undefined) {
        head = Buffer.concat([head, chunk]);
        if (head.length >= BLOCK) {
          const ok = isTarHeader(head.subarray(0, BLOCK));
          head = undefined;
          if (!ok) return done(refuse());
        }
      }
      done(null, chunk);
    },
    flush(done) {
      // Shorter than one block: only the empty stream is an (empty) archive.
      if (head !== undefined && head.length > 0) return done(refuse());
      done();
    },
  });
}
