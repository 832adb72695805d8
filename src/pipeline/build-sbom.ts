import { analyzeImage } from '../analyze/analyze.js';
import { renderSbom, type SbomFormat } from '../analyze/sbom/index.js';
import type { BuildResult } from '../build/types.js';
import { writeFileAtomic } from '../util/atomic.js';

/** The SBOM of what was built (its first platform), referring to it as `name@digest`, written atomically. */
export async function writeBuildSbom(
  result: BuildResult,
  file: string,
  format: SbomFormat,
  name: string,
): Promise<void> {
  const image = result.images[0]?.image;
  if (!image) return;
  const analysis = await analyzeImage(image, {
    reference: `${name}@${await image.digest()}`,
    attribute: false,
  });
  await writeFileAtomic(file, renderSbom(analysis, format));
}
