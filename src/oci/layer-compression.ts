import type { Duplex } from 'node:stream';

/**
 * How layers are compressed: a value handed to the layer writer, so the writer knows no compressor and no media
 * type of its own. Every strategy is deterministic: the same tar always gives the same bytes, on any machine.
 */
export interface LayerCompression {
  /** Media type of the layers it writes, e.g. `application/vnd.oci.image.layer.v1.tar+gzip`. */
  readonly mediaType: string;
  /**
   * Everything that decides its bytes (algorithm, level, chunking, the compressor's version), for cache keys: a
   * cached layer is reused only by the compression that wrote it.
   */
  readonly key: string;
  /**
   * A fresh compressing stream: tar in, compressed layer out. `expectedBytes`, when the writer knows it, is how
   * much tar is coming: a compressor may get its helpers ready for a large layer at once. The bytes it writes
   * never depend on it.
   */
  create(expectedBytes?: number): Duplex;
}
