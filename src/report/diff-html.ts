import type { ImagesDiff } from '../analyze/diff.js';
import { binaryHtml, compositionHtml } from './binary-html.js';
import { formatBytes } from './build-summary.js';
import { diffSections, diffSummary } from './diff-text.js';
import { escapeHtml } from './html-escape.js';
import { htmlTable, page } from './html-page.js';

/**
 * `minnow diff --html`: the gate's verdict, the summary, one stacked bar per image, the changed layers, modules,
 * packages, files, OS packages and findings as tables, and a treemap of every Go binary before and after.
 */
export function renderDiffHtml(r: ImagesDiff): string {
  const d = r.diff;
  const [before, after] = r.analyses;
  const g = d.gate;
  const verdict = g
    ? `<p class="verdict ${g.passed ? 'pass' : 'fail'}" data-gate="${g.gate}"><strong>${g.gate}: ${g.passed ? 'PASS' : 'FAIL'}</strong>${g.passed ? '' : ' (exit status 3)'}: ${escapeHtml(g.message)}</p>`
    : '';
  const sections = diffSections(d)
    .map(
      (s) =>
        `<h2>${escapeHtml(s.title)}${s.total > s.rows.length ? ` (${s.rows.length} of ${s.total})` : ''}</h2>\n${htmlTable(`diff-${s.key}`, [s.head, ...s.rows], s.right)}`,
    )
    .join('\n');
  const binaries = (label: string, a: typeof before): string =>
    a.goBinaries.map((b) => binaryHtml(b, `${label}: why ${b.path} is ${formatBytes(b.size)}`)).join('\n');
  const title = `${d.a.reference} → ${d.b.reference}`;
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1>
${verdict}
<p class="summary">${escapeHtml(diffSummary(d))}</p>
${compositionHtml('What each image is made of', [
  { name: 'before', analysis: before },
  { name: 'after', analysis: after },
])}
${sections}
${binaries('Before', before)}
${binaries('After', after)}`,
  );
}
