import { PassThrough, pipeline, Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
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

/** A Transform that inflates a zstd stream (Node 20's zlib has no zstd). */
export function createZstdDecompress(): Transform {
  const inflater = new ZstdDecompress((chunk) => {
    stream.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  });
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      try {
        inflater.push(chunk);
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done) {
      try {
        inflater.push(new Uint8Array(0), true);
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
  return stream;
}

/**
 * The uncompressed bytes of a layer stream, whatever its compression (gzip, zstd or none, told by magic bytes).
 * Errors of `src` reach the returned stream.
 */
export async function decompress(src: Readable): Promise<Readable> {
  const head = await peek(src, 4);
  const kind = sniffCompression(head);
  const inflater =
    kind === 'gzip'
      ? createGunzip({ chunkSize: INFLATE_CHUNK })
      : kind === 'zstd'
        ? createZstdDecompress()
        : new PassThrough();
  pipeline(src, inflater, () => {
    /* errors are delivered to the consumer of `inflater` */
  });
  return inflater;
}
