import { Transform, type TransformCallback } from 'node:stream';
import { tarNumber } from './tar-check.js';

/**
 * tar-stream writes and reads PAX values as UTF-8 text and gives no way to write an extended header of one's
 * own, but a `security.capability` value is binary. So the layer writer adds such a header as a plain file entry
 * named under PAX_MARKER, and `paxHeaderFixer`, on the tar bytes as they stream, turns that entry's typeflag into
 * `x` (a PAX extended header for the next entry) and fixes the checksum; readers take the raw value from
 * TarWalker's entries. Everything else passes through untouched.
 */
export const PAX_MARKER = 'PaxHeaders.minnow/';

const BLOCK = 512;
const MARKER = Buffer.from(PAX_MARKER);
const PAX = 0x78; // 'x'

/** Passes a tar stream through, calling `onHeader` on each 512-byte header before it goes on (it may change it). */
function headerRewriter(onHeader: (header: Buffer) => void): Transform {
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
        onHeader(header);
        // An unreadable size is tarCheck's to refuse (analyze); here it only means no body to skip.
        const size = tarNumber(header.subarray(124, 136)) ?? 0;
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

function retype(header: Buffer): void {
  header[156] = PAX;
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
}

/** The writer's side: turns the PAX_MARKER entries into PAX extended headers. */
export function paxHeaderFixer(): Transform {
  return headerRewriter((header) => {
    if (header.subarray(0, MARKER.length).equals(MARKER)) retype(header);
  });
}
