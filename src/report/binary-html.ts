import type { GoBinary, ImageAnalysis } from '../analyze/types.js';
import { formatBytes } from './build-summary.js';
import { kindRows, moduleRows } from './attribution-text.js';
import { escapeHtml } from './html-escape.js';
import { htmlTable } from './html-page.js';
import { COMPOSITION_PARTS, svgStackedBars } from './svg-stacked-bars.js';
import { svgTreemap } from './svg-treemap.js';

/**
 * One Go binary: what it is made of by kind, a treemap of its modules and packages (a wide one, and a taller one
 * a phone shows instead), and its largest modules as a table. Empty when the binary has no attribution.
 */
export function binaryHtml(
  b: GoBinary,
  heading = `Why ${b.path} is ${formatBytes(b.size)}`,
  top = 10,
): string {
  const a = b.attribution;
  if (!a) return '';
  return `<section class="go-binary" data-binary="${escapeHtml(b.path)}">
<h2>${escapeHtml(heading)}</h2>
<p>${formatBytes(a.attributed)} by package, ${formatBytes(a.unattributed)} not split by package (shown grey).</p>
<div class="tm-wide">${svgTreemap(b.path, a)}</div>
<div class="tm-narrow">${svgTreemap(b.path, a, { width: 360, height: 560, layout: 'narrow' })}</div>
${htmlTable('kinds', [['kind', 'bytes', 'share', ''], ...kindRows(a)], [false, true, true, false])}
${htmlTable('modules', [['bytes', 'share', 'module', ''], ...moduleRows(a, top)], [true, true, false, false])}
</section>`;
}

/** One stacked bar per image (base / CA and config / app binary), on one scale. */
export function compositionHtml(
  title: string,
  images: readonly { name: string; analysis: ImageAnalysis }[],
): string {
  return svgStackedBars(
    title,
    COMPOSITION_PARTS,
    images.map((i) => ({ name: i.name, bytes: { ...i.analysis.composition } })),
  );
}
