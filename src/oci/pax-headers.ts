import { Transform, type TransformCallback } from 'node:stream';

/**
 * tar-stream writes PAX values as UTF-8 text and gives no way to write an extended header of one's own, but a
 * `security.capability` value is binary. So the layer writer adds such a header as a plain file entry named under
 * PAX_MARKER, and this transform, on the tar bytes as they stream, turns that entry's typeflag into `x` (a PAX
 * extended header for the next entry) and fixes the header checksum. Everything else passes through untouched.
 */
export const PAX_MARKER = 'PaxHeaders.minnow/';

const BLOCK = 512;
const MARKER = Buffer.from(PAX_MARKER);

/** A tar header's size field: octal text, or base-256 when its first byte has the high bit set. */
function entrySize(header: Buffer): number {
  const field = header.subarray(124, 136);
  if ((field[0] as number) & 0x80) {
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + (field[i] as number);
    return n;
  }
  const text = field
    .toString('latin1')
    .replace(/[\0 ]+$/g, '')
    .trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function retype(header: Buffer): void {
  header[156] = 0x78; // 'x'
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
}

/** The transform described above, for one tar stream. */
export function paxHeaderFixer(): Transform {
  let header = Buffer.alloc(0);
  let bodyLeft = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      let data = chunk;
      while (data.length > 0) {
        if (bodyLeft > 0) {
          const n = Math.min(bodyLeft, data.length);
          this.push(data.subarray(0, n));
          bodyLeft -= n;
          data = data.subarray(n);
          continue;
        }
        const n = Math.min(BLOCK - header.length, data.length);
        header = Buffer.concat([header, data.subarray(0, n)]);
        data = data.subarray(n);
        if (header.length < BLOCK) break;
        if (header.subarray(0, MARKER.length).equals(MARKER)) retype(header);
        const size = entrySize(header);
        bodyLeft = Math.ceil(size / BLOCK) * BLOCK;
        this.push(header);
        header = Buffer.alloc(0);
      }
      done();
    },
    flush(done: TransformCallback) {
      if (header.length) this.push(header);
      done();
    },
  });
}
