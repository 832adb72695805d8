import type { ImageAnalysis } from '../analyze/types.js';
import { sortedFindings } from './analysis-text.js';
import { escapeHtml } from './html-escape.js';

const STYLE = `
.verdict.pass{color:#067647}.verdict.fail{color:#b42318}td.paths code{font-size:12px}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1b1f24;max-width:1100px}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
.yes{color:#b42318;font-weight:600}.no{color:#067647}
.sev-critical,.sev-high{color:#b42318;font-weight:600}.sev-medium{color:#b54708}.sev-low{color:#475467}
.rec{background:#ecfdf3;border:1px solid #abefc6;padding:.6rem .8rem;border-radius:6px}
code{font-size:12px}
body{overflow-wrap:anywhere}svg{display:block;max-width:100%;height:auto;margin:.75rem 0}
.tm-narrow{display:none}.wide-table{overflow-x:auto}.wide-table table{overflow-wrap:normal}
@media (max-width:640px){body{margin:.75rem}.tm-wide{display:none}.tm-narrow{display:block}th,td{padding:3px 4px}}
`;

/** A self-contained HTML page: inline style, no scripts, no external resources. */
export function page(title: string, body: string): string {
  // No scripts, no external resources: the page is one file that renders offline.
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>
${body}
</body></html>
`;
}

/** An image's findings, most severe first, each with its paths. */
export function findingsTable(a: ImageAnalysis): string {
  if (a.findings.length === 0) return '<p>No findings.</p>';
  const rows = sortedFindings(a)
    .map(
      (f) =>
        `<tr class="finding" data-rule="${escapeHtml(f.rule)}"><td class="sev-${f.severity}">${f.severity}</td><td><code>${escapeHtml(f.rule)}</code></td><td>${escapeHtml(f.category)}</td><td>${escapeHtml(f.message)}</td><td class="paths">${f.paths.map((p) => `<code>${escapeHtml(p)}</code>`).join('<br>')}</td><td>${escapeHtml(f.fix)}</td></tr>`,
    )
    .join('\n');
  return `<div class="wide-table"><table class="findings"><thead><tr><th>severity</th><th>rule</th><th>part</th><th>finding</th><th>paths</th><th>fix</th></tr></thead><tbody>
${rows}
</tbody></table></div>`;
}

/** A table whose first row is the header; `right` marks the numeric columns. */
export function htmlTable(cls: string, rows: string[][], right: boolean[] = []): string {
  const [head, ...body] = rows;
  const cell = (tag: string, c: string, i: number): string =>
    `<${tag}${right[i] ? ' class="num"' : ''}>${escapeHtml(c)}</${tag}>`;
  return `<div class="wide-table"><table class="${cls}"><thead><tr>${(head ?? []).map((h, i) => cell('th', h, i)).join('')}</tr></thead><tbody>
${body.map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`).join('\n')}
</tbody></table></div>`;
}
