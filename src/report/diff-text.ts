import type { ImageDiff, NamedChange, SizeChange } from '../analyze/diff.js';
import { formatBytes } from './build-summary.js';

/** How many changed modules, packages and files a report lists. */
export const DIFF_TOP = 10;
/** Markdown shows a section this long or shorter open; a longer one folds into `<details>`. */
const OPEN_ROWS = 5;

// eslint-disable-next-line no-control-regex
const printable = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

/** `+1.20 MB`, `-3.4 kB`, `0 B`. */
export function signedBytes(n: number): string {
  return n > 0 ? `+${formatBytes(n)}` : n < 0 ? `-${formatBytes(-n)}` : '0 B';
}

function pct(c: SizeChange): string {
  return c.a > 0 ? `${c.change >= 0 ? '+' : ''}${((c.change / c.a) * 100).toFixed(2)}%` : 'new';
}

function rows(list: NamedChange[], top: number): string[][] {
  return list
    .slice(0, top)
    .map((c) => [signedBytes(c.change), formatBytes(c.a), formatBytes(c.b), printable(c.name)]);
}

/** One section of a diff report: a title, its column heads, its rows, and how many it had before `top`. */
export interface DiffSection {
  key: string;
  title: string;
  head: string[];
  rows: string[][];
  total: number;
  /** Which columns are numbers (right-aligned). */
  right: boolean[];
}

type Layer = ImageDiff['layers']['added'][number];

/** The sections of a diff, shared by text, Markdown and HTML; empty ones are left out. */
export function diffSections(d: ImageDiff, top = DIFF_TOP): DiffSection[] {
  const changeHead = (what: string): string[] => ['change', 'before', 'after', what];
  const changeRight = [true, true, true, false];
  const layer = (sign: string, l: Layer): string[] => [
    sign,
    l.digest.slice(7, 19),
    formatBytes(l.compressedSize),
    printable(l.createdBy ?? ''),
  ];
  const out: DiffSection[] = [
    {
      key: 'layers',
      title: 'Layers',
      head: ['', 'digest', 'compressed', 'created by'],
      rows: [
        ...d.layers.removed.map((l) => layer('-', l)),
        ...d.layers.added.map((l) => layer('+', l)),
        ...d.layers.unchanged.map((l) => layer('=', l)),
      ],
      total: d.layers.removed.length + d.layers.added.length + d.layers.unchanged.length,
      right: [false, false, true, false],
    },
    {
      key: 'modules',
      title: 'Go modules',
      head: changeHead('module'),
      rows: rows(d.goModules, top),
      total: d.goModules.length,
      right: changeRight,
    },
    {
      key: 'versions',
      title: 'Go module versions',
      head: ['module', 'before', 'after'],
      rows: d.goModuleVersions
        .slice(0, top)
        .map((v) => [printable(v.name), printable(v.a ?? '(none)'), printable(v.b ?? '(none)')]),
      total: d.goModuleVersions.length,
      right: [],
    },
    {
      key: 'packages',
      title: 'Go packages',
      head: changeHead('package'),
      rows: rows(d.goPackages, top),
      total: d.goPackages.length,
      right: changeRight,
    },
    {
      key: 'files',
      title: 'Largest files',
      head: changeHead('file'),
      rows: rows(d.files, top),
      total: d.files.length,
      right: changeRight,
    },
  ];
  const pk = [
    ...d.osPackages.removed.map((p) => ['-', printable(p)]),
    ...d.osPackages.added.map((p) => ['+', printable(p)]),
  ];
  out.push({
    key: 'os-packages',
    title: 'OS packages',
    head: ['', 'package'],
    rows: pk,
    total: pk.length,
    right: [],
  });
  const fi = [
    ...d.findings.disappeared.map((f) => ['-', f.rule, printable(f.message)]),
    ...d.findings.appeared.map((f) => ['+', f.rule, printable(f.message)]),
  ];
  out.push({
    key: 'findings',
    title: 'Findings',
    head: ['', 'rule', 'finding'],
    rows: fi,
    total: fi.length,
    right: [],
  });
  return out.filter((s) => s.rows.length > 0);
}

/** The one-line summary: compressed and content change, layers unchanged, added, removed. */
export function diffSummary(d: ImageDiff): string {
  const c = d.size.compressed;
  return (
    `${signedBytes(c.change)} compressed (${pct(c)}): ${formatBytes(c.a)} → ${formatBytes(c.b)}; ` +
    `${signedBytes(d.size.content.change)} content; ${d.layers.shared} layers unchanged, ` +
    `${d.layers.added.length} added, ${d.layers.removed.length} removed`
  );
}

/** The gate's line, when `--max-growth` was given: `max-growth: FAIL (exit status 3): …`. */
export function gateLine(d: ImageDiff): string | undefined {
  const g = d.gate;
  if (!g) return undefined;
  return `${g.gate}: ${g.passed ? 'PASS' : 'FAIL (exit status 3)'}: ${g.message}`;
}

const more = (s: DiffSection): string | undefined =>
  s.total > s.rows.length ? `… and ${s.total - s.rows.length} more (--json lists all)` : undefined;

/** `minnow diff` as text (`table` lays out the columns). */
export function renderDiffText(
  d: ImageDiff,
  table: (rows: string[][], right?: boolean[]) => string,
  top = DIFF_TOP,
): string {
  const out = [`${printable(d.a.reference)} → ${printable(d.b.reference)}`, diffSummary(d)];
  const gate = gateLine(d);
  if (gate) out.push(gate);
  for (const s of diffSections(d, top)) {
    out.push('', s.title, table([s.head, ...s.rows], s.right));
    const m = more(s);
    if (m) out.push(`  ${m}`);
  }
  return `${out.join('\n')}\n`;
}

/**
 * `minnow diff --markdown`: a pull-request comment. The gate and a size table first, short sections open, long
 * ones folded into `<details>`, so the comment stays one screen.
 */
export function renderDiffMarkdown(d: ImageDiff, top = DIFF_TOP): string {
  const esc = (s: string): string => s.replace(/[|`*_<>[\]\\]/g, (c) => `\\${c}`);
  const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const align = (right: boolean[], n: number): string =>
    row(Array.from({ length: n }, (_, i) => (right[i] ? '---:' : '---')));
  const out = [`### Image diff: ${esc(printable(d.a.reference))} → ${esc(printable(d.b.reference))}`, ''];
  const g = d.gate;
  if (g) out.push(`**${g.gate}: ${g.passed ? 'PASS' : 'FAIL'}**: ${esc(g.message)}`, '');
  const { compressed: c, content } = d.size;
  out.push(
    row(['', 'before', 'after', 'change']),
    align([false, true, true, true], 4),
    row(['compressed', formatBytes(c.a), formatBytes(c.b), `${signedBytes(c.change)} (${pct(c)})`]),
    row([
      'content',
      formatBytes(content.a),
      formatBytes(content.b),
      `${signedBytes(content.change)} (${pct(content)})`,
    ]),
    row([
      'layers',
      String(d.layers.shared + d.layers.removed.length),
      String(d.layers.shared + d.layers.added.length),
      `${d.layers.shared} unchanged, ${d.layers.added.length} added, ${d.layers.removed.length} removed`,
    ]),
  );
  for (const s of diffSections(d, top)) {
    if (s.key === 'layers') continue; // summed up in the table above
    const body = [row(s.head.map(esc)), align(s.right, s.head.length), ...s.rows.map((r) => row(r.map(esc)))];
    const m = more(s);
    if (m) body.push('', `_${m}_`);
    const title = `${s.title}: ${s.total} changed`;
    if (s.total <= OPEN_ROWS) out.push('', `**${title}**`, '', ...body);
    else out.push('', `<details><summary>${esc(title)}</summary>`, '', ...body, '', '</details>');
  }
  return `${out.join('\n')}\n`;
}
