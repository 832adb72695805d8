import { Transform, type TransformCallback } from 'node:stream';
import { MinnowError } from '../errors.js';

/** Limits that stop a hostile layer (a decompression bomb) from exhausting the machine. */
export interface LayerLimits {
  /** Most bytes one layer may inflate to. Default 16 GiB. */
  maxUncompressedSize?: number;
  /** Most uncompressed/compressed ratio, checked once a layer has inflated past `ratioGrace`. Default 250. */
  maxRatio?: number;
  /** Bytes inflated before the ratio is checked. Default 64 MiB. */
  ratioGrace?: number;
}

/** The defaults of {@link LayerLimits}; docs/security.md lists them. */
export const DEFAULT_LAYER_LIMITS: Required<LayerLimits> = {
  maxUncompressedSize: 16 * 1024 ** 3,
  maxRatio: 250,
  ratioGrace: 64 * 1024 * 1024,
};

/**
 * Counts inflated bytes on their way through and fails with LIMIT_EXCEEDED, naming `what`, once they pass the
 * limits: `compressed.bytes` is how much of the blob has been read so far, so a bomb stops early, not at its end.
 */
export class InflateMeter extends Transform {
  bytes = 0;
  private readonly limits: Required<LayerLimits>;
  constructor(
    private readonly compressed: { bytes: number },
    limits: LayerLimits,
    private readonly what: string,
  ) {
    super();
    this.limits = { ...DEFAULT_LAYER_LIMITS, ...definedOnly(limits) };
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.count(chunk.length);
    } catch (err) {
      done(err as Error);
      return;
    }
    done(null, chunk);
  }

  /** Counts `n` more inflated bytes; throws LIMIT_EXCEEDED past a limit (for readers that are not streams). */
  count(n: number): void {
    this.bytes += n;
    const { maxUncompressedSize, maxRatio, ratioGrace } = this.limits;
    if (this.bytes > maxUncompressedSize) {
      throw new MinnowError('LIMIT_EXCEEDED', `${this.what} inflates past ${maxUncompressedSize} bytes`, {
        hint: 'a decompression bomb, or raise the limit',
      });
    }
    if (this.bytes > ratioGrace && this.bytes > maxRatio * Math.max(1, this.compressed.bytes)) {
      throw new MinnowError(
        'LIMIT_EXCEEDED',
        `${this.what} inflates more than ${maxRatio}:1 (${this.bytes} bytes from ${this.compressed.bytes}): a decompression bomb`,
      );
    }
  }
}

/** A pass-through that adds up the bytes of the compressed blob, for {@link InflateMeter}'s ratio. */
export function countBytes(counted: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _e, done) {
      counted.bytes += chunk.length;
      done(null, chunk);
    },
  });
}

function definedOnly(limits: LayerLimits): LayerLimits {
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) as LayerLimits;
}
