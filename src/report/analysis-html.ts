import type { PolicyVerdict } from '../analyze/policy.js';
import type { ImageAnalysis } from '../analyze/types.js';
import { formatBytes } from './build-summary.js';
import { storedSizePhrase } from './stored-size.js';
import { layerRows } from './analysis-text.js';
import { escapeHtml } from './html-escape.js';
import { binaryHtml, compositionHtml } from './binary-html.js';
import { findingsTable, htmlTable, page } from './html-page.js';
import { svgBarChart } from './svg-bars.js';

function verdictHtml(verdict: PolicyVerdict | undefined): string {
  if (!verdict) return '';
  if (verdict.passed) return '<p class="verdict pass"><strong>Policy: PASS</strong></p>';
  const items = verdict.violations
    .map(
      (v) =>
        `<li><code>${escapeHtml(v.gate)}</code>: ${escapeHtml(v.message)}${v.paths.length ? `<br>${v.paths.map((p) => `<code>${escapeHtml(p)}</code>`).join(' ')}` : ''}</li>`,
    )
    .join('');
  return `<div class="verdict fail"><p><strong>Policy: FAIL</strong> (exit status 3)</p><ul>${items}</ul></div>`;
}

/** `minnow analyze --html`: one image, with a chart of its layer sizes and its findings. */
export function renderAnalysisHtml(a: ImageAnalysis, verdict?: PolicyVerdict): string {
  const chart = svgBarChart({
    title: 'Layer sizes',
    categories: a.layers.map((l) => `layer ${l.index}`),
    series: [
      { name: 'content', color: '#2e90fa', values: a.layers.map((l) => l.contentSize) },
      { name: 'compressed', color: '#53b1fd', values: a.layers.map((l) => l.compressedSize) },
    ],
    format: formatBytes,
  });
  const facts: [string, string][] = [
    ...(a.source ? [['read from', `${a.source.kind}: ${a.source.where}`] as [string, string]] : []),
    ['size', `${formatBytes(a.size.content)} (${storedSizePhrase(a)})`],
    ['files', `${a.files.count} (${a.files.executables} executable)`],
    [
      'efficiency',
      `${(a.efficiency.score * 100).toFixed(1)}% (${formatBytes(a.efficiency.wastedBytes)} wasted)`,
    ],
    ['user', `${a.config.user || '(unset)'}${a.config.runsAsRoot ? ' (root)' : ''}`],
    ['entrypoint', JSON.stringify([...a.config.entrypoint, ...a.config.cmd])],
    ['ports', a.config.exposedPorts.join(', ') || 'none'],
    ['shell', a.utilities.shells.join(', ') || 'none'],
    ['pkg manager', a.utilities.packageManagers.join(', ') || 'none'],
    ['packages', String(a.packages.length)],
    [
      'go binaries',
      a.goBinaries.map((b) => `${b.path} (${b.info.goVersion}, ${b.info.deps.length} modules)`).join(', ') ||
        'none',
    ],
  ];
  const c = a.summary.findings;
  const layers = htmlTable('layers', layerRows(a));
  const largest = a.files.largest.length
    ? `<h2>Largest files</h2>\n${htmlTable('largest', [['size', 'path'], ...a.files.largest.map((f) => [formatBytes(f.size), f.path])])}`
    : '';
  const wasted = a.efficiency.wasted.length
    ? `<h2>Wasted space</h2>\n${htmlTable('wasted', [['wasted', 'times shipped', 'path'], ...a.efficiency.wasted.map((w) => [formatBytes(w.wastedBytes), `${w.count}x`, w.path])])}`
    : '';
  return page(
    a.reference,
    `<h1>${escapeHtml(a.reference)}</h1>
${verdictHtml(verdict)}
<table class="facts">${facts.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>
${compositionHtml('What the image is made of', [{ name: a.reference, analysis: a }])}
${a.goBinaries.map((b) => binaryHtml(b)).join('\n')}
${chart}
<h2>Layers</h2>
${layers}
${largest}
${wasted}
<h2>Findings</h2>
<p>${c.critical} critical, ${c.high} high, ${c.medium} medium, ${c.low} low, ${c.info} info</p>
${findingsTable(a)}`,
  );
}
