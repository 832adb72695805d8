import { Writable } from 'node:stream';
import { MinnowError } from '../errors.js';
import { MAX_PAX_BYTES, parsePaxRecordsRaw, tarNumber } from './tar-check.js';

const BLOCK = 512;

/** What an entry is, as tar-stream names the kinds analyze tells apart; every other typeflag is `other`. */
export type TarEntryType = 'file' | 'contiguous-file' | 'directory' | 'symlink' | 'link' | 'other';

/** One entry of a tar stream, with its GNU long names and PAX records applied. */
export interface TarEntry {
  /** As stored (ustar prefix joined, long names applied); not normalized. */
  name: string;
  type: TarEntryType;
  /** Bytes of data that follow the header (0 for the types that carry none). */
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** Link target of a symlink or hard link, if any. */
  linkname: string | undefined;
  /** The entry's PAX records, raw bytes (a `security.capability` value is binary), when it has any. */
  pax: Map<string, Buffer> | undefined;
  /** Byte offset of the entry's header in the tar stream. */
  offset: number;
}

/**
 * Receives one entry's data, in order; `end` may return a promise, and the walk waits for it. A chunk is lent:
 * it is valid during the `data` call only (the reader may fill its buffer again), so a sink copies what it keeps.
 */
export interface TarEntrySink {
  data?(chunk: Buffer): void;
  /**
   * False once the rest of the data would change nothing for this sink: a reader that can seek (walkRegion) then
   * skips it instead of reading it. Undefined: wants all of it.
   */
  wantsMore?(): boolean;
  end?(): void | Promise<void>;
}

/** Called for each entry as its header is read; returns where its data goes (none: the data is skipped). */
export type TarEntryHandler = (entry: TarEntry) => TarEntrySink | undefined;

/** Typeflags whose entries carry no data whatever their size field says, as Go's archive/tar reads them. */
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);
const TYPES: Record<string, TarEntryType> = {
  '\0': 'file',
  '0': 'file',
  '1': 'link',
  '2': 'symlink',
  '5': 'directory',
  '7': 'contiguous-file',
};
/** Longest GNU long name or link name taken: a larger one is refused, not buffered. */
const MAX_LONG_NAME = 1024 * 1024;

/**
 * A tar number field read as tar-stream reads mode, uid and gid (leading spaces and NULs skipped, up to the first
 * space, octal; base-256 when the high bit is set), so results stay what they were with it.
 */
function looseNumber(block: Buffer, at: number, length: number): number {
  if ((block[at] as number) & 0x80) return tarNumber(block, at, length) ?? NaN;
  let start = at;
  const end0 = at + length;
  // The common field, octal digits then a NUL or space, without making a string.
  let n = 0;
  let i = at;
  for (; i < end0; i++) {
    const c = block[i] as number;
    if (c < 0x30 || c > 0x37) break;
    n = n * 8 + (c - 0x30);
  }
  if (i > at && (i === end0 || block[i] === 0 || block[i] === 0x20)) return n;
  while (start < end0 && block[start] === 0x20) start++;
  let end = block.indexOf(0x20, start);
  if (end < 0 || end > end0) end = end0;
  while (start < end && block[start] === 0) start++;
  if (end === start) return 0;
  return parseInt(block.toString('latin1', start, end), 8);
}

function text(block: Buffer, at: number, length: number): string {
  let end = block.indexOf(0, at);
  if (end < 0 || end > at + length) end = at + length;
  return block.toString('utf8', at, end);
}

/** The bytes up to the first NUL, as text (a GNU long name). */
function cString(data: Buffer): string {
  const nul = data.indexOf(0);
  return data.toString('utf8', 0, nul < 0 ? data.length : nul);
}

/** The checksum field (bytes 148–155): 1 to 7 octal digits, then NULs or spaces, as isTarHeader reads it. */
function checksumField(block: Buffer): number {
  let n = 0;
  let i = 148;
  for (; i < 155; i++) {
    const c = block[i] as number;
    if (c < 0x30 || c > 0x37) break;
    n = n * 8 + (c - 0x30);
  }
  if (i > 148 && (block[i] === 0 || block[i] === 0x20) && (block[155] === 0 || block[155] === 0x20)) {
    let rest = true;
    for (let j = i; j < 156; j++) if (block[j] !== 0 && block[j] !== 0x20) rest = false;
    if (rest) return n;
  }
  const field = block
    .toString('latin1', 148, 156)
    .replace(/[\0 ]+$/, '')
    .trim();
  return /^[0-7]{1,7}$/.test(field) ? parseInt(field, 8) : -1;
}

/**
 * The header's unsigned byte sum with the checksum field (148–155) read as spaces. Four bytes at a time where the
 * block is aligned: two 16-bit lanes per word cannot overflow over 128 words (2 × 255 × 128 < 65536).
 */
function headerSum(block: Buffer): number {
  if ((block.byteOffset & 3) !== 0) {
    let sum = 8 * 0x20;
    for (let i = 0; i < 148; i++) sum += block[i] as number;
    for (let i = 156; i < BLOCK; i++) sum += block[i] as number;
    return sum;
  }
  const words = new Uint32Array(block.buffer, block.byteOffset, BLOCK >>> 2);
  let lanes = 0;
  for (let i = 0; i < 128; i++) {
    // Words 37 and 38 are the checksum field (bytes 148–155).
    if (i === 37) i = 39;
    const w = words[i] as number;
    lanes += (w & 0x00ff00ff) + ((w >>> 8) & 0x00ff00ff);
  }
  return (lanes & 0xffff) + (lanes >>> 16) + 8 * 0x20;
}

/** Whether `block` holds `magic` at `at`. */
function startsWith(block: Buffer, at: number, magic: Buffer): boolean {
  for (let i = 0; i < magic.length; i++) if (block[at + i] !== magic[i]) return false;
  return true;
}

const USTAR = Buffer.from('ustar\0', 'latin1');
const GNU = Buffer.from('ustar  \0', 'latin1');

/**
 * Walks a tar stream synchronously, in one pass and without copying file data: fed chunk by chunk with `write`, it
 * reads every header as strictly as Go's archive/tar (the checksum, sizes that are negative or not numbers, PAX
 * records whose lengths lie, oversized PAX headers and long names, an end-of-archive block followed by more
 * entries), applies GNU long names and links, the ustar prefix and PAX `path`/`linkpath`/`size`, and hands each
 * entry, then its data chunks, to `onEntry`'s sink. A header it refuses fails with INVALID_IMAGE naming `what` and
 * the byte offset; data cut short fails on `end()`. PAX global headers are checked and then ignored, as the
 * Engine's layer applier ignores them.
 */
export class TarWalker {
  readonly #what: string;
  readonly #onEntry: TarEntryHandler;
  /** Stream offset of the next byte to be written. */
  #offset = 0;
  /** A header block split over chunks. */
  #head = Buffer.alloc(BLOCK);
  #headLen = 0;
  /** Data bytes of the current entry (or long header) still to come, then padding to skip. */
  #data = 0;
  #pad = 0;
  #sink: TarEntrySink | undefined;
  /** A PAX header or GNU long name being collected. */
  #long: { kind: 'x' | 'g' | 'L' | 'K'; parts: Buffer[]; at: number } | undefined;
  #pax: Map<string, Buffer> | undefined;
  #longName: string | undefined;
  #longLink: string | undefined;
  /** 0 in the archive, 1 after one zero block, 2 after the end (two zero blocks): the rest is padding. */
  #zeros = 0;

  constructor(what: string, onEntry: TarEntryHandler) {
    this.#what = what;
    this.#onEntry = onEntry;
  }

  #refuse(why: string): MinnowError {
    return new MinnowError('INVALID_IMAGE', `${this.#what} ${why}`, {
      subject: this.#what,
      hint: 'a layer must be a tar (optionally gzip or zstd compressed); rebuild the base image',
    });
  }

  /**
   * Takes the next chunk; a promise when an entry's `end` made the walk wait (resolves once it is consumed). The
   * chunk is read during the call and, when a promise is returned, until it settles; not after.
   */
  write(chunk: Buffer): Promise<void> | undefined {
    let off = 0;
    while (off < chunk.length) {
      if (this.#zeros === 2) {
        this.#offset += chunk.length - off;
        return undefined;
      }
      if (this.#data > 0) {
        const n = Math.min(this.#data, chunk.length - off);
        // Chunks are lent (the caller may reuse its buffer): what outlives this call is copied.
        if (this.#long) this.#long.parts.push(Buffer.from(chunk.subarray(off, off + n)));
        else if (this.#sink?.data) this.#sink.data(chunk.subarray(off, off + n));
        this.#data -= n;
        off += n;
        this.#offset += n;
        if (this.#data === 0) {
          const waiting = this.#finishData();
          if (waiting) return waiting.then(() => this.write(chunk.subarray(off)));
        }
        continue;
      }
      if (this.#pad > 0) {
        const n = Math.min(this.#pad, chunk.length - off);
        this.#pad -= n;
        off += n;
        this.#offset += n;
        continue;
      }
      let block: Buffer;
      if (this.#headLen === 0 && chunk.length - off >= BLOCK) {
        block = chunk.subarray(off, off + BLOCK);
        off += BLOCK;
      } else {
        const n = Math.min(BLOCK - this.#headLen, chunk.length - off);
        chunk.copy(this.#head, this.#headLen, off, off + n);
        this.#headLen += n;
        off += n;
        if (this.#headLen < BLOCK) {
          this.#offset += n;
          continue;
        }
        this.#offset += n - BLOCK;
        block = this.#head;
        this.#headLen = 0;
      }
      const at = this.#offset;
      this.#offset += BLOCK;
      const waiting = this.#header(block, at);
      if (waiting) return waiting.then(() => this.write(chunk.subarray(off)));
    }
    return undefined;
  }

  /**
   * Bytes of the current entry's data that nobody wants (its sink said so with `wantsMore`, or it has none), which a
   * reader that can seek may pass over with `skip` instead of reading: 0 anywhere else (a header, padding, a PAX
   * record or long name, which the walk must read).
   */
  skippable(): number {
    if (this.#data === 0 || this.#long || this.#zeros === 2) return 0;
    const sink = this.#sink;
    if (sink?.data && (sink.wantsMore?.() ?? true)) return 0;
    return this.#data;
  }

  /** Passes over `n` (at most `skippable()`) bytes of the current entry's data unread; a promise as `write` gives. */
  skip(n: number): Promise<void> | undefined {
    if (n <= 0) return undefined;
    if (n > this.skippable()) throw new Error(`TarWalker.skip(${n}) past the skippable data`);
    this.#data -= n;
    this.#offset += n;
    return this.#data === 0 ? this.#finishData() : undefined;
  }

  /** Call after the last chunk: fails when the stream ends inside a header or an entry's data. */
  end(): void {
    if (this.#offset > 0 && this.#offset < BLOCK) throw this.#refuse('is not a tar archive');
    if (this.#headLen > 0 || this.#data > 0 || this.#pad > 0) {
      throw new MinnowError(
        'INVALID_IMAGE',
        `${this.#what}: tar stream is truncated (it ends inside an entry)`,
        {
          subject: this.#what,
        },
      );
    }
  }

  #header(block: Buffer, at: number): Promise<void> | undefined {
    // One pass for the checksum (the field read as spaces), as isTarHeader checks it; tar-stream, which read
    // these layers before, took only the unsigned sum, so a header only a signed sum matches stays refused.
    const sum = headerSum(block);
    if (sum === 8 * 0x20 && block.readBigUInt64LE(148) === 0n) {
      // A zero block: two end the archive; one followed by a header is refused, as Go's archive/tar refuses it.
      this.#zeros++;
      return undefined;
    }
    if (checksumField(block) !== sum) {
      throw this.#refuse(
        at === 0 ? 'is not a tar archive' : `is not a tar archive (bad header at byte ${at})`,
      );
    }
    if (sum === 8 * 0x20) {
      // Only a checksum: tar-stream skipped such a block as empty.
      return undefined;
    }
    if (this.#zeros > 0) throw this.#refuse(`has a tar header after the end-of-archive block at byte ${at}`);
    const ustar = startsWith(block, 257, USTAR);
    if (!ustar && !startsWith(block, 257, GNU)) {
      // Neither ustar nor GNU (a v7 tar): tar-stream, which read these layers before, refused it too.
      throw this.#refuse(`has a tar header of unknown format at byte ${at}`);
    }
    const size = tarNumber(block, 124, 12);
    if (size === undefined) throw this.#refuse(`has a tar header with an invalid size at byte ${at}`);
    const flag = String.fromCharCode(block[156] as number);
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      const pax = flag === 'x' || flag === 'g';
      if (size > (pax ? MAX_PAX_BYTES : MAX_LONG_NAME)) {
        throw this.#refuse(
          `has a ${pax ? 'PAX header' : 'GNU long name'} of ${size} bytes at byte ${at}, over ${pax ? MAX_PAX_BYTES : MAX_LONG_NAME}`,
        );
      }
      this.#long = { kind: flag, parts: [], at };
      this.#data = size;
      this.#pad = (BLOCK - (size % BLOCK)) % BLOCK;
      return size === 0 ? this.#finishData() : undefined;
    }
    let name = text(block, 0, 100);
    if (ustar && block[345] !== 0) name = `${text(block, 345, 155)}/${name}`;
    let type = TYPES[flag] ?? 'other';
    // Old tars mark directories by a trailing slash on a regular file's name (tar-stream reads it so too).
    if ((flag === '\0' || flag === '0') && name.endsWith('/')) type = 'directory';
    let linkname = block[157] === 0 ? undefined : text(block, 157, 100);
    let entrySize = size;
    if (this.#longName !== undefined) name = this.#longName;
    if (this.#longLink !== undefined) linkname = this.#longLink;
    const pax = this.#pax;
    if (pax) {
      const path = pax.get('path');
      if (path?.length) name = path.toString('utf8');
      const link = pax.get('linkpath');
      if (link?.length) linkname = link.toString('utf8');
      const paxSize = pax.get('size');
      if (paxSize?.length) {
        const s = paxSize.toString('latin1');
        if (!/^[0-9]{1,16}$/.test(s) || !Number.isSafeInteger(Number(s))) {
          throw this.#refuse(`has a PAX size that is not a number at byte ${at}`);
        }
        entrySize = Number(s);
      }
    }
    // Owners past the ustar field's 2097151 (or GNU tar's choice) come as PAX records, as Go's archive/tar writes.
    const paxId = (key: 'uid' | 'gid', field: number): number => {
      const raw = pax?.get(key);
      if (!raw?.length) return looseNumber(block, field, 8);
      const s = raw.toString('latin1');
      if (!/^[0-9]{1,16}$/.test(s) || !Number.isSafeInteger(Number(s))) {
        throw this.#refuse(`has a PAX ${key} that is not a number at byte ${at}`);
      }
      return Number(s);
    };
    this.#pax = undefined;
    this.#longName = undefined;
    this.#longLink = undefined;
    if (HEADER_ONLY.has(flag)) entrySize = 0;
    const entry: TarEntry = {
      name,
      type,
      size: entrySize,
      mode: looseNumber(block, 100, 8),
      uid: paxId('uid', 108),
      gid: paxId('gid', 116),
      linkname,
      pax,
      offset: at,
    };
    this.#sink = this.#onEntry(entry);
    this.#data = entrySize;
    this.#pad = (BLOCK - (entrySize % BLOCK)) % BLOCK;
    return entrySize === 0 ? this.#finishData() : undefined;
  }

  /** The current entry's (or long header's) data is all in. */
  #finishData(): Promise<void> | undefined {
    const long = this.#long;
    if (long) {
      this.#long = undefined;
      const body = Buffer.concat(long.parts);
      if (long.kind === 'L') this.#longName = cString(body);
      else if (long.kind === 'K') this.#longLink = cString(body);
      else {
        const records = parsePaxRecordsRaw(body, `${this.#what} (PAX header at byte ${long.at})`);
        if (long.kind === 'x') this.#pax = records;
      }
      return undefined;
    }
    const sink = this.#sink;
    this.#sink = undefined;
    const done = sink?.end?.();
    return done instanceof Promise ? done : undefined;
  }
}

/** A Writable that feeds a TarWalker and fails with its errors: the end of a layer-reading pipeline. */
export function tarWalkerSink(walker: TarWalker): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      let waiting: Promise<void> | undefined;
      try {
        waiting = walker.write(chunk);
      } catch (err) {
        done(err as Error);
        return;
      }
      if (waiting) waiting.then(() => done(), done);
      else done();
    },
    final(done) {
      try {
        walker.end();
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
}
