import { PassThrough, pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { Decompress as ZstdDecompress } from 'fzstd';

export type Compression = 'gzip' | 'zstd' | 'none';

/** Output chunk of gunzip: zlib's 16 KiB default costs a measurable share of the time on large layers. */
export const INFLATE_CHUNK = 256 * 1024;

/** Tells the compression of a layer from its first bytes, so a mislabelled media type cannot fool a reader. */
export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/** Reads at least `n` bytes (or all there is) and puts them back, leaving `src` to be consumed from its start. */
export function peek(src: Readable, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let have = 0;
    const finish = (): void => {
      src.off('readable', onReadable);
      src.off('end', onEnd);
      src.off('error', onError);
      const head = Buffer.concat(chunks);
      if (head.length > 0) src.unshift(head);
      resolve(head);
    };
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while (have < n && (chunk = src.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        have += chunk.length;
      }
      if (have >= n) finish();
    };
    const onEnd = (): void => finish();
    const onError = (err: Error): void => {
      src.off('readable', onReadable);
      src.off('end', onEnd);
      reject(err);
    };
    src.on('readable', onReadable);
    src.once('end', onEnd);
    src.once('error', onError);
  });
}

/**
 * Most bytes of zstd input inflated at a time. A 4-byte RLE block inflates to 128 KiB, so one slice yields at
 * most 32 MiB however hostile the stream; fzstd is as fast on 1 KiB slices as on 1 MiB ones. After a slice that
 * bursts past ZSTD_BURST the next ones shrink (down to 16 bytes), so a bomb is inflated a little at a time.
 */
const ZSTD_SLICE = 1024;
const ZSTD_BURST = 1024 * 1024;

/**
 * A Transform that inflates a zstd stream (Node 20's zlib has no zstd). fzstd inflates all input it is given at
 * once, so input goes in small slices and the next slice waits until the reader has taken the output: memory
 * stays bounded even for a bomb.
 */
class ZstdInflate extends Transform {
  readonly #inflater: ZstdDecompress;
  #slice = 64;
  #produced = 0;
  #wake: (() => void) | undefined;

  constructor() {
    super();
    this.#inflater = new ZstdDecompress((chunk) => {
      this.#produced += chunk.byteLength;
      this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
  }

  override _read(size: number): void {
    this.#resume();
    super._read(size);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.#feed(chunk, false).then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    this.#feed(Buffer.alloc(0), true).then(() => done(), done);
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.#resume();
    done(err);
  }

  #resume(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #feed(chunk: Buffer, final: boolean): Promise<void> {
    let i = 0;
    do {
      const piece = chunk.subarray(i, i + this.#slice);
      i += piece.length;
      this.#produced = 0;
      this.#inflater.push(piece, final && i >= chunk.length);
      this.#slice =
        this.#produced > ZSTD_BURST ? Math.max(16, this.#slice >> 2) : Math.min(ZSTD_SLICE, this.#slice * 2);
      while (this.readableLength >= this.readableHighWaterMark && !this.destroyed) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
      }
    } while (i < chunk.length && !this.destroyed);
  }
}

/** A Transform that inflates a zstd stream with back-pressure (see ZstdInflate). */
export function createZstdDecompress(): Transform {
  return new ZstdInflate();
}

/**
 * The uncompressed bytes of a layer stream, whatever its compression (gzip, zstd or none, told by magic bytes).
 * Errors of `src` reach the returned stream.
 */
export async function decompress(src: Readable): Promise<Readable> {
  const head = await peek(src, 4);
  const kind = sniffCompression(head);
  // node:zlib loads at the first layer inflated, not with every command that imports this module (~5 ms).
  const inflater =
    kind === 'gzip'
      ? process.getBuiltinModule('node:zlib').createGunzip({ chunkSize: INFLATE_CHUNK })
      : kind === 'zstd'
        ? createZstdDecompress()
        : new PassThrough();
  pipeline(src, inflater, () => {
    /* errors are delivered to the consumer of `inflater` */
  });
  return inflater;
}
