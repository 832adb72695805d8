import { analyzeImage } from '../../analyze/analyze.js';
import { parseSbomFormat, renderSbom } from '../../analyze/sbom/index.js';
import type { BuildResult } from '../../build/types.js';
import { writeFileAtomic } from '../../util/atomic.js';

/** `minnow build --sbom FILE`: the SBOM of what was built (its first platform), written atomically. */
export async function writeBuildSbom(
  result: BuildResult,
  file: string,
  format: string,
  name: string,
): Promise<void> {
  const fmt = parseSbomFormat(format);
  const image = result.images[0]?.image;
  if (!image) return;
  const analysis = await analyzeImage(image, { reference: `${name}@${await image.digest()}` });
  await writeFileAtomic(file, renderSbom(analysis, fmt));
}
