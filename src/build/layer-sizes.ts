import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Digest, Layer } from '../oci/index.js';

/** Sizes of one layer of a built image. */
export interface LayerSize {
  digest: Digest;
  /** Compressed blob bytes. */
  size: number;
  /** Uncompressed tar bytes. */
  uncompressedSize: number;
}

/** Counts a layer's uncompressed bytes by streaming it (for bases whose sizes minnow did not record). */
export async function countUncompressed(layer: Layer): Promise<number> {
  let n = 0;
  await pipeline(
    await layer.uncompressed(),
    new Writable({
      write(chunk: Buffer, _enc, done) {
        n += chunk.length;
        done();
      },
    }),
  );
  return n;
}

/** The sizes of `layers`, using `known` (digest → uncompressed bytes) where it can and streaming otherwise. */
export async function layerSizes(layers: Layer[], known: Map<string, number>): Promise<LayerSize[]> {
  const out: LayerSize[] = [];
  for (const layer of layers) {
    const digest = await layer.digest();
    let uncompressedSize = known.get(digest);
    if (uncompressedSize === undefined) {
      uncompressedSize = await countUncompressed(layer);
      known.set(digest, uncompressedSize);
    }
    out.push({ digest, size: await layer.size(), uncompressedSize });
  }
  return out;
}
