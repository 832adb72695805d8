import { MinnowError } from '../../errors.js';
import type { ImageAnalysis } from '../types.js';
import { toCycloneDx } from './cyclonedx.js';
import { toSpdx } from './spdx.js';
import { VERSION as version } from '../../version.js';

export { sbomComponents, type SbomComponent } from './components.js';
export { toCycloneDx } from './cyclonedx.js';
export { toSpdx } from './spdx.js';

export const SBOM_FORMATS = ['spdx-json', 'cyclonedx-json'] as const;
export type SbomFormat = (typeof SBOM_FORMATS)[number];

/** Checks a `--format` value. */
export function parseSbomFormat(value: string): SbomFormat {
  if (!(SBOM_FORMATS as readonly string[]).includes(value)) {
    throw new MinnowError(
      'INVALID_ARGUMENT',
      `invalid SBOM format "${value}": want ${SBOM_FORMATS.join(' or ')}`,
    );
  }
  return value as SbomFormat;
}

/** The SBOM of an analyzed image as JSON text (SPDX 2.3 or CycloneDX 1.5), deterministic for a given image. */
export function renderSbom(a: ImageAnalysis, format: SbomFormat): string {
  const doc =
    format === 'spdx-json' ? toSpdx(a, `minnow-${version}`) : toCycloneDx(a, { name: 'minnow', version });
  return `${JSON.stringify(doc, null, 2)}\n`;
}
