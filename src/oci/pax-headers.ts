import { Transform, type TransformCallback } from 'node:stream';
import { tarNumber } from './tar-check.js';

/**
 * tar-stream writes and reads PAX values as UTF-8 text and gives no way to write an extended header of one's
 * own, but a `security.capability` value is binary. So the layer writer adds such a header as a plain file entry
 * named under PAX_MARKER, and `paxHeaderFixer`, on the tar bytes as they stream, turns that entry's typeflag into
 * `x` (a PAX extended header for the next entry) and fixes the checksum; readers take the raw value with
 * `paxValueTap`. Everything else passes through untouched.
 */
export const PAX_MARKER = 'PaxHeaders.minnow/';

const BLOCK = 512;
const MARKER = Buffer.from(PAX_MARKER);
const PAX = 0x78; // 'x'

/**
 * Passes a tar stream through, calling `onHeader` on each 512-byte header before it goes on (it may change it)
 * and `onPax` with the body of each PAX extended header.
 */
function tarWalker(hooks: {
  onHeader?: (header: Buffer) => void;
  onPax?: (body: Buffer) => void;
}): Transform {
  let header = Buffer.alloc(0);
  let bodyLeft = 0;
  let pax: { want: number; parts: Buffer[] } | undefined;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      let data = chunk;
      while (data.length > 0) {
        if (bodyLeft > 0) {
          const n = Math.min(bodyLeft, data.length);
          const part = data.subarray(0, n);
          if (pax) {
            pax.parts.push(part);
            const got = Buffer.concat(pax.parts);
            if (got.length >= pax.want) {
              hooks.onPax?.(got.subarray(0, pax.want));
              pax = undefined;
            }
          }
          this.push(part);
          bodyLeft -= n;
          data = data.subarray(n);
          continue;
        }
        const n = Math.min(BLOCK - header.length, data.length);
        header = Buffer.concat([header, data.subarray(0, n)]);
        data = data.subarray(n);
        if (header.length < BLOCK) break;
        hooks.onHeader?.(header);
        // An unreadable size is tarCheck's to refuse (analyze); here it only means no body to skip.
        const size = tarNumber(header.subarray(124, 136)) ?? 0;
        bodyLeft = Math.ceil(size / BLOCK) * BLOCK;
        if (header[156] === PAX && size > 0 && hooks.onPax) pax = { want: size, parts: [] };
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
  return tarWalker({
    onHeader: (header) => {
      if (header.subarray(0, MARKER.length).equals(MARKER)) retype(header);
    },
  });
}

/** The records of a PAX body, values as raw bytes. */
function paxRecords(body: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let pos = 0;
  while (pos < body.length) {
    const space = body.indexOf(0x20, pos);
    const len = space < 0 ? NaN : Number(body.subarray(pos, space).toString('latin1'));
    if (!Number.isSafeInteger(len) || len <= 0 || pos + len > body.length) break;
    const record = body.subarray(space + 1, pos + len - 1); // without the trailing newline
    const eq = record.indexOf(0x3d);
    if (eq > 0) out.set(record.subarray(0, eq).toString('utf8'), record.subarray(eq + 1));
    pos += len;
  }
  return out;
}

/** The name of the entry a ustar header describes (its prefix joined), as tar-stream reports it. */
function headerName(header: Buffer): string {
  const field = (from: number, to: number): string => {
    const raw = header.subarray(from, to);
    const nul = raw.indexOf(0);
    return raw.subarray(0, nul < 0 ? raw.length : nul).toString('utf8');
  };
  const name = field(0, 100);
  const prefix = header.subarray(257, 262).toString('latin1') === 'ustar' ? field(345, 500) : '';
  return prefix ? `${prefix}/${name}` : name;
}

/**
 * The reader's side: a pass-through that keeps, by entry name, the raw bytes of one PAX record (`key`) that
 * tar-stream would hand over decoded as UTF-8; `take(name)` returns (and forgets) an entry's value.
 */
export function paxValueTap(key: string): { stream: Transform; take(name: string): Buffer | undefined } {
  const values = new Map<string, Buffer>();
  let pending: Map<string, Buffer> | undefined;
  const stream = tarWalker({
    onPax: (body) => {
      pending = paxRecords(body);
    },
    onHeader: (header) => {
      const flag = header[156];
      if (flag === PAX || flag === 0x67 /* g */ || flag === 0x4c /* L */ || flag === 0x4b /* K */) return;
      const value = pending?.get(key);
      if (value) values.set(pending?.get('path')?.toString('utf8') ?? headerName(header), value);
      pending = undefined;
    },
  });
  return {
    stream,
    take: (name) => {
      const value = values.get(name);
      values.delete(name);
      return value;
    },
  };
}
