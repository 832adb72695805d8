import { table } from '../report/analysis-text.js';
import { formatBytes } from '../report/build-summary.js';
import type { CompareResult } from './compare-bases.js';
import type { CompareRow } from './rows.js';

const yn = (b: boolean): string => (b ? 'yes' : 'no');
const sev = (r: CompareRow): string =>
  `${r.findings.critical + r.findings.high}/${r.findings.medium}/${r.findings.low}`;

/** The comparison table's columns, as plain strings (shared by text and Markdown). */
export function compareColumns(r: CompareRow): string[] {
  return [
    r.base,
    formatBytes(r.size),
    r.typicalSize !== undefined ? formatBytes(r.typicalSize) : '-',
    r.articleSize !== undefined ? formatBytes(r.articleSize) : '-',
    formatBytes(r.compressed),
    String(r.layers),
    String(r.files),
    String(r.executables),
    yn(r.shell),
    yn(r.packageManager),
    yn(r.root),
    String(r.setuid),
    sev(r),
  ];
}

export const COMPARE_HEADER = [
  'base',
  'size',
  'typical Dockerfile',
  'article',
  'compressed',
  'layers',
  'files',
  'executables',
  'shell',
  'pkg mgr',
  'root',
  'setuid',
  'high/med/low',
];

/** `minnow compare` for people: the article's table, extended, with a recommendation per row. */
export function renderCompareText(c: CompareResult): string {
  const out: string[] = [];
  out.push(`${c.app}: the same app on ${c.rows.length} bases`);
  out.push('');
  out.push(
    table([COMPARE_HEADER, ...c.rows.map(compareColumns)], [false, true, true, true, true, true, true]),
  );
  out.push('');
  for (const r of c.rows) out.push(`${r.base}: ${r.recommendation}`);
  for (const s of c.skipped) out.push(`${s.base}: skipped (${s.reason})`);
  out.push('');
  out.push(`recommendation: ${c.recommendation}`);
  out.push(...baselineNotes(c));
  if (c.rows.some((r) => r.compressedEstimated)) out.push(ESTIMATE_NOTE);
  return `${out.join('\n')}\n`;
}

/**
 * What the two baseline columns are, in words a reader who never saw the article follows: the typical Dockerfile
 * column is this app; the article column is the reference figure of another, smaller app.
 */
export function baselineNotes(c: CompareResult): string[] {
  const notes = ['size = what docker image ls shows.'];
  if (c.typical) {
    const extra = c.typical.binarySize - c.typical.minnowBinarySize;
    notes.push(
      'typical Dockerfile = this app as a typical multi-stage Dockerfile ships it on that base: ' +
        '`CGO_ENABLED=0 go build -o main .` in a golang stage, the binary copied onto the base, ' +
        `symbols and DWARF kept (${formatBytes(extra)} more than minnow's stripped binary; measured now).`,
    );
  }
  notes.push(
    'article = the reference figures of the post minnow started from (a small net/http server built with ' +
      'those Dockerfiles: alpine 14.5 MB, distroless 9.49 MB, scratch 6.67 MB); another app, for scale only.',
  );
  return notes;
}

/** Said under a table whose compressed column holds gzip estimates. */
export const ESTIMATE_NOTE =
  'compressed: partly a gzip estimate, for layers the Engine keeps uncompressed (a push would gzip them).';

/** The comparison as a Markdown table. */
export function renderCompareMarkdown(c: CompareResult): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const out: string[] = [];
  out.push(`## ${esc(c.app)}: base image comparison`);
  out.push('');
  out.push(`| ${[...COMPARE_HEADER, 'recommendation'].join(' | ')} |`);
  out.push(`|${[...COMPARE_HEADER, 'x'].map(() => '---').join('|')}|`);
  for (const r of c.rows) out.push(`| ${[...compareColumns(r), r.recommendation].map(esc).join(' | ')} |`);
  out.push('');
  for (const s of c.skipped) out.push(`- ${esc(s.base)}: skipped (${esc(s.reason)})`);
  out.push(`**Recommendation:** ${esc(c.recommendation)}`);
  out.push('', ...baselineNotes(c).map((n) => `_${esc(n)}_`));
  if (c.rows.some((r) => r.compressedEstimated)) out.push('', `_${ESTIMATE_NOTE}_`);
  return `${out.join('\n')}\n`;
}
