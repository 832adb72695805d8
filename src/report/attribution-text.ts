import type { GoBinary } from '../analyze/types.js';
import { SIZE_KINDS, type BinaryAttribution, type SizeKind } from '../go/attribution.js';
import { formatBytes } from './build-summary.js';

/** How many modules and packages a report lists per binary. */
export const ATTRIBUTION_TOP = 10;

const KIND_LABELS: Record<SizeKind, string> = {
  code: 'code',
  rodata: 'read-only data',
  types: 'type and itab tables',
  pclntab: 'pclntab',
  data: 'data',
  other: 'headers and the rest',
};

/** Names from a binary reach a terminal or a PR comment: control characters become `?`. */
// eslint-disable-next-line no-control-regex
const printable = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

const share = (n: number, of: number): string => (of > 0 ? `${((n / of) * 100).toFixed(1)}%` : '0%');

/** One line per kind: bytes, share of the file, and what of it is split by package. */
export function kindRows(a: BinaryAttribution): string[][] {
  const perPackage: Partial<Record<SizeKind, number>> = {
    code: a.packages.reduce((n, p) => n + p.code, 0),
    pclntab: a.packages.reduce((n, p) => n + p.pclntab, 0),
  };
  return SIZE_KINDS.map((k) => {
    const inPackages = perPackage[k];
    const note =
      k === 'code'
        ? `${formatBytes(inPackages ?? 0)} in Go functions, ${formatBytes(a.codePadding)} alignment, ${formatBytes(a.nonGoCode)} not Go (cgo, assembly without pclntab)`
        : inPackages !== undefined
          ? `${formatBytes(inPackages)} per function, the rest shared (file table, index)`
          : 'not split by package';
    return [KIND_LABELS[k], formatBytes(a.kinds[k]), share(a.kinds[k], a.fileSize), note];
  });
}

export function moduleRows(a: BinaryAttribution, top: number): string[][] {
  return a.modules
    .slice(0, top)
    .map((m) => [
      formatBytes(m.code + m.pclntab),
      share(m.code + m.pclntab, a.fileSize),
      printable(m.version ? `${m.path} ${m.version}` : m.path),
      `${m.packages} packages, ${formatBytes(m.code)} code`,
    ]);
}

export function packageRows(a: BinaryAttribution, top: number): string[][] {
  return a.packages
    .slice(0, top)
    .map((p) => [
      formatBytes(p.code + p.pclntab),
      share(p.code + p.pclntab, a.fileSize),
      printable(p.path),
      `${p.functions} functions, ${formatBytes(p.code)} code`,
    ]);
}

/** The text section of `minnow analyze` for one binary (`table` lays out the columns). */
export function renderAttributionText(
  b: GoBinary,
  table: (rows: string[][], right?: boolean[]) => string,
  top = ATTRIBUTION_TOP,
): string {
  const a = b.attribution;
  if (!a) return '';
  const out: string[] = [];
  out.push(
    `Why ${printable(b.path)} is ${formatBytes(a.fileSize)}: ${formatBytes(a.attributed)} (${share(a.attributed, a.fileSize)}) by package, ${formatBytes(a.unattributed)} unattributed`,
  );
  out.push(table(kindRows(a), [false, true, true, false]));
  out.push('');
  out.push(`Modules (${a.modules.length}, code and pclntab)`);
  out.push(table(moduleRows(a, top), [true, true, false, false]));
  if (a.modules.length > top) out.push(`  … and ${a.modules.length - top} more (--json lists all)`);
  out.push('');
  out.push(`Packages (${a.packages.length})`);
  out.push(table(packageRows(a, top), [true, true, false, false]));
  if (a.packages.length > top) out.push(`  … and ${a.packages.length - top} more (--json lists all)`);
  return out.join('\n');
}

/** The same as Markdown tables, for a job summary or a pull-request comment. */
export function renderAttributionMarkdown(b: GoBinary, top = ATTRIBUTION_TOP): string {
  const a = b.attribution;
  if (!a) return '';
  const esc = (s: string): string => printable(s).replace(/[|`*_<>[\]]/g, (c) => `\\${c}`);
  const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const out: string[] = [];
  out.push(`### ${esc(b.path)}: ${formatBytes(a.fileSize)}`);
  out.push('');
  out.push(
    `${formatBytes(a.attributed)} (${share(a.attributed, a.fileSize)}) by package, ${formatBytes(a.unattributed)} unattributed.`,
  );
  out.push('');
  out.push(row(['kind', 'bytes', 'share', '']));
  out.push(row(['---', '---:', '---:', '---']));
  for (const r of kindRows(a)) out.push(row(r.map(esc)));
  out.push('');
  out.push(row(['bytes', 'share', 'module', '']));
  out.push(row(['---:', '---:', '---', '---']));
  for (const r of moduleRows(a, top)) out.push(row(r.map(esc)));
  out.push('');
  out.push(row(['bytes', 'share', 'package', '']));
  out.push(row(['---:', '---:', '---', '---']));
  for (const r of packageRows(a, top)) out.push(row(r.map(esc)));
  return out.join('\n');
}
