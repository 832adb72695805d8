import type { ImageDiff, NamedChange, SizeChange } from '../analyze/diff.js';
import { formatBytes } from './build-summary.js';

/** How many changed modules, packages and files a report lists. */
export const DIFF_TOP = 10;

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

/** The sections of a diff, shared by text and Markdown: a title and the rows under it. */
function sections(d: ImageDiff, top: number): { title: string; head: string[]; rows: string[][] }[] {
  const out: { title: string; head: string[]; rows: string[][] }[] = [];
  const head = ['change', 'before', 'after', ''];
  out.push({
    title: 'Layers',
    head: ['', 'digest', 'compressed', 'created by'],
    rows: [
      ...d.layers.removed.map((l) => [
        '-',
        l.digest.slice(7, 19),
        formatBytes(l.compressedSize),
        printable(l.createdBy ?? ''),
      ]),
      ...d.layers.added.map((l) => [
        '+',
        l.digest.slice(7, 19),
        formatBytes(l.compressedSize),
        printable(l.createdBy ?? ''),
      ]),
    ],
  });
  if (d.goModules.length) out.push({ title: 'Go modules', head, rows: rows(d.goModules, top) });
  if (d.goPackages.length) out.push({ title: 'Go packages', head, rows: rows(d.goPackages, top) });
  if (d.files.length) out.push({ title: 'Largest files', head, rows: rows(d.files, top) });
  const pk = [
    ...d.osPackages.removed.map((p) => ['-', printable(p)]),
    ...d.osPackages.added.map((p) => ['+', printable(p)]),
  ];
  if (pk.length) out.push({ title: 'OS packages', head: ['', 'package'], rows: pk });
  const fi = [
    ...d.findings.disappeared.map((f) => ['-', f.rule, printable(f.message)]),
    ...d.findings.appeared.map((f) => ['+', f.rule, printable(f.message)]),
  ];
  if (fi.length) out.push({ title: 'Findings', head: ['', 'rule', 'finding'], rows: fi });
  return out;
}

function summary(d: ImageDiff): string {
  const c = d.size.compressed;
  return (
    `${signedBytes(c.change)} compressed (${pct(c)}): ${formatBytes(c.a)} → ${formatBytes(c.b)}; ` +
    `${signedBytes(d.size.content.change)} content; ${d.layers.shared} layers unchanged, ` +
    `${d.layers.added.length} added, ${d.layers.removed.length} removed`
  );
}

/** `minnow diff` as text (`table` lays out the columns). */
export function renderDiffText(
  d: ImageDiff,
  table: (rows: string[][], right?: boolean[]) => string,
  top = DIFF_TOP,
): string {
  const out = [`${printable(d.a.reference)} → ${printable(d.b.reference)}`, summary(d)];
  for (const s of sections(d, top)) {
    if (s.rows.length === 0) continue;
    out.push(
      '',
      s.title,
      table(
        [s.head, ...s.rows],
        s.head.map((h) => ['change', 'before', 'after', 'compressed'].includes(h)),
      ),
    );
  }
  return `${out.join('\n')}\n`;
}

/** `minnow diff --markdown`: a pull-request comment. */
export function renderDiffMarkdown(d: ImageDiff, top = DIFF_TOP): string {
  const esc = (s: string): string => s.replace(/[|`*_<>[\]]/g, (c) => `\\${c}`);
  const out = [`### Image diff: ${esc(printable(d.b.reference))}`, '', summary(d)];
  for (const s of sections(d, top)) {
    if (s.rows.length === 0) continue;
    out.push('', `**${s.title}**`, '', `| ${s.head.join(' | ')} |`, `|${s.head.map(() => '---').join('|')}|`);
    for (const r of s.rows) out.push(`| ${r.map(esc).join(' | ')} |`);
  }
  return `${out.join('\n')}\n`;
}
