import type { ImageAnalysis } from '../analyze/types.js';
import { formatBytes } from '../util/size.js';

/**
 * The image's blob size in words that say what it is: compressed, a gzip estimate for layers stored uncompressed
 * (`docker save`, `daemon:`), or, when such layers were not estimated, the size as stored.
 */
export function storedSizePhrase(a: ImageAnalysis): string {
  const size = formatBytes(a.size.compressed);
  if (a.size.compressedEstimated) return `${size} compressed (gzip estimate: stored uncompressed)`;
  const plain = a.layers.filter((l) => l.compression === 'none').length;
  if (plain === 0) return `${size} compressed`;
  const which = plain === a.layers.length ? 'layers stored' : `${plain} of ${a.layers.length} layers stored`;
  return `${size} as stored (${which} uncompressed; --estimate-push-size estimates a push)`;
}
