import { formatBytes } from '../report/build-summary.js';
import { binaryHtml, compositionHtml } from '../report/binary-html.js';
import { findingsTable, page } from '../report/html-page.js';
import { escapeHtml } from '../report/html-escape.js';
import { svgBarChart } from '../report/svg-bars.js';
import type { CompareResult } from './compare-bases.js';
import { baselineNotes, COMPARE_HEADER, compareColumns } from './render-text.js';

/** `minnow compare --html`: one self-contained page with a bar chart of sizes and the attack-surface table. */
export function renderCompareHtml(c: CompareResult): string {
  const chart = svgBarChart({
    title: 'Image size by base (docker image ls)',
    categories: c.rows.map((r) => r.base),
    series: [
      { name: 'minnow build', color: '#2e90fa', values: c.rows.map((r) => r.size) },
      { name: 'compressed', color: '#53b1fd', values: c.rows.map((r) => r.compressed) },
      { name: 'typical Dockerfile (this app)', color: '#f79009', values: c.rows.map((r) => r.typicalSize) },
      { name: "article's number (another app)", color: '#98a2b3', values: c.rows.map((r) => r.articleSize) },
    ],
    format: formatBytes,
  });
  const head = [...COMPARE_HEADER, 'recommendation'].map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const rows = c.rows
    .map((r) => {
      const cells = compareColumns(r).map((v, i) => {
        const cls = v === 'yes' ? 'yes' : v === 'no' ? 'no' : i > 0 ? 'num' : '';
        return `<td${cls ? ` class="${cls}"` : ''}>${escapeHtml(v)}</td>`;
      });
      return `<tr class="surface-row" data-base="${escapeHtml(r.base)}">${cells.join('')}<td>${escapeHtml(r.recommendation)}</td></tr>`;
    })
    .join('\n');
  const skipped = c.skipped.length
    ? `<ul>${c.skipped.map((s) => `<li>${escapeHtml(s.base)}: skipped (${escapeHtml(s.reason)})</li>`).join('')}</ul>`
    : '';
  const composition = compositionHtml(
    'What each image is made of',
    c.rows.map((r) => ({ name: r.base, analysis: r.analysis })),
  );
  // The app binary is the same on every base: one treemap of it.
  const app = c.rows[0]?.analysis.goBinaries.find((b) => b.attribution);
  const binary = app
    ? binaryHtml(app, `Why ${app.path} is ${formatBytes(app.size)} (the same on every base)`)
    : '';
  const details = c.rows
    .map((r) => `<h2>${escapeHtml(r.base)}</h2>\n${findingsTable(r.analysis)}`)
    .join('\n');
  return page(
    `${c.app}: base image comparison`,
    `<h1>${escapeHtml(c.app)}: the same app on ${c.rows.length} bases</h1>
<p class="rec"><strong>Recommendation:</strong> ${escapeHtml(c.recommendation)}</p>
${chart}
${composition}
${binary}
<h2>Attack surface</h2>
<div class="wide-table"><table class="surface"><thead><tr>${head}</tr></thead><tbody>
${rows}
</tbody></table></div>
${skipped}
${baselineNotes(c)
  .map((n) => `<p class="note">${escapeHtml(n)}</p>`)
  .join('\n')}
<p class="note">high/med/low: findings by severity (see docs/rules.md).</p>
${details}`,
  );
}
