import type { PolicyVerdict } from '../analyze/policy.js';
import { SEVERITIES, type ImageAnalysis, type ImageFinding } from '../analyze/types.js';
import { escapeTerminal } from '../util/terminal.js';
import { renderAttributionMarkdown, renderAttributionText } from './attribution-text.js';
import { formatBytes } from './build-summary.js';
import { storedSizePhrase } from './stored-size.js';

/**
 * Left-aligned columns with two spaces between them (right-aligned where `right[i]`). Cells are escaped for the
 * terminal: they hold file names and labels from images.
 */
export function table(cells: string[][], right: boolean[] = []): string {
  const rows = cells.map((r) => r.map(escapeTerminal));
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (right[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `85.3%`; efficiency is never NaN (an empty image scores 1). */
export function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function yes(b: boolean): string {
  return b ? 'yes' : 'no';
}

function goBinariesLine(a: ImageAnalysis): string {
  if (a.goBinaries.length === 0) return 'none';
  const shown = a.goBinaries
    .slice(0, 3)
    .map((b) => `${b.path} (${b.info.goVersion}, ${b.info.deps.length} modules)`);
  const more = a.goBinaries.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

/** Findings most severe first (stable within a severity), so the line that fails a CI job is read first. */
export function sortedFindings(a: ImageAnalysis): ImageFinding[] {
  return [...a.findings].sort((x, y) => SEVERITIES.indexOf(x.severity) - SEVERITIES.indexOf(y.severity));
}

/** At most `n` paths, then how many more. */
export function pathList(paths: string[], n = 5): string {
  const more = paths.length - n;
  return `${paths.slice(0, n).join(', ')}${more > 0 ? ` (+${more} more)` : ''}`;
}

/** The policy lines: PASS, or FAIL with each broken gate, its findings and paths (why the exit status is 3). */
export function policyLines(verdict: PolicyVerdict): string[] {
  if (verdict.passed) return ['Policy: PASS'];
  const out = ['Policy: FAIL (exit status 3)'];
  for (const v of verdict.violations) {
    out.push(`  ${v.gate}: ${v.message}`);
    if (v.paths.length > 0) out.push(`    paths: ${pathList(v.paths)}`);
  }
  return out;
}

/**
 * The human report of `minnow analyze`: sizes, layers, files, efficiency, inventory, then findings (most severe
 * first, with their paths), and the policy verdict when one was checked.
 */
export function renderAnalysisText(a: ImageAnalysis, verdict?: PolicyVerdict): string {
  const out: string[] = [];
  const platform = `${a.platform.os}/${a.platform.architecture}${a.platform.variant ? `/${a.platform.variant}` : ''}`;
  out.push(
    escapeTerminal(
      `${a.reference}  ${a.digest.slice(0, 19)}  ${platform}${a.os?.prettyName ? `  ${a.os.prettyName}` : ''}`,
    ),
  );
  out.push('');
  out.push(
    table([
      ...(a.source ? [['read from', escapeTerminal(`${a.source.kind}: ${a.source.where}`)]] : []),
      [
        'image ID',
        `${a.imageId.slice('sha256:'.length, 'sha256:'.length + 12)} (docker images), manifest ${a.digest}`,
      ],
      ['size', `${formatBytes(a.size.content)} (docker image ls), ${storedSizePhrase(a)}`],
      ['layers', `${a.layers.length}, ${formatBytes(a.size.uncompressed)} of uncompressed tar`],
      [
        'files',
        `${a.files.count} files, ${a.files.executables} executable (${a.files.elfBinaries} ELF), ${a.files.directories} dirs, ${a.files.symlinks} symlinks`,
      ],
      ['efficiency', `${percent(a.efficiency.score)}, ${formatBytes(a.efficiency.wastedBytes)} wasted`],
      ['user', `${a.config.user || '(unset)'}${a.config.runsAsRoot ? ' (root)' : ''}`],
      ['entrypoint', JSON.stringify([...a.config.entrypoint, ...a.config.cmd])],
      ['ports', a.config.exposedPorts.join(', ') || 'none'],
      ['shell', a.utilities.shells.join(', ') || 'none'],
      ['pkg manager', a.utilities.packageManagers.join(', ') || 'none'],
      [
        'packages',
        a.packages.length
          ? `${a.packages.length} (${[...new Set(a.packages.map((p) => p.type))].join(', ')})`
          : 'none',
      ],
      ['go binaries', goBinariesLine(a)],
    ]),
  );
  out.push('');
  out.push('Layers');
  out.push(table(layerRows(a, 60), [true, true, true, true, false]));
  if (a.files.largest.length > 0) {
    out.push('');
    out.push('Largest files');
    out.push(
      table(
        a.files.largest.map((f) => [formatBytes(f.size), f.path]),
        [true, false],
      ),
    );
  }
  for (const b of a.goBinaries) {
    const section = renderAttributionText(b, table);
    if (section) out.push('', section);
  }
  if (a.efficiency.wasted.length > 0) {
    out.push('');
    out.push('Wasted space (shipped, then overwritten or deleted)');
    out.push(
      table(
        a.efficiency.wasted.map((w) => [formatBytes(w.wastedBytes), `${w.count}x`, w.path]),
        [true, true, false],
      ),
    );
  }
  out.push('');
  const counts = a.summary.findings;
  out.push(
    `Findings: ${counts.critical} critical, ${counts.high} high, ${counts.medium} medium, ${counts.low} low, ${counts.info} info`,
  );
  const findings = sortedFindings(a);
  if (findings.length > 0) {
    out.push(table(findings.map((f) => [f.severity.toUpperCase(), f.rule, f.message])));
    const withPaths = findings.filter((f) => f.paths.some((p) => !p.startsWith('config.')));
    if (withPaths.length > 0) {
      out.push('');
      out.push('Paths');
      for (const f of withPaths) out.push(`  ${f.rule}  ${pathList(f.paths)}`);
    }
    const fixable = findings.filter((x) => x.severity !== 'info');
    if (fixable.length > 0) {
      out.push('');
      out.push('Fixes');
      for (const f of fixable) out.push(`  ${f.rule}  ${escapeTerminal(f.fix)}`);
    }
  }
  out.push('');
  out.push(
    `root: ${yes(a.config.runsAsRoot)}  shell: ${yes(a.summary.hasShell)}  package manager: ${yes(a.summary.hasPackageManager)}  setuid: ${a.files.setuid}`,
  );
  if (verdict) out.push('', ...policyLines(verdict));
  return `${out.join('\n')}\n`;
}

/** The layer table, header first, as text and HTML show it: `createdBy` on one line, cut to `width`. */
export function layerRows(a: ImageAnalysis, width = Infinity): string[][] {
  return [
    ['#', 'compressed', 'size', 'files', 'created by'],
    ...a.layers.map((l) => [
      String(l.index),
      formatBytes(l.compressedSize),
      formatBytes(l.contentSize),
      String(l.entries),
      (l.createdBy ?? '').replace(/\s+/g, ' ').slice(0, width),
    ]),
  ];
}

/** The same report as Markdown (for CI job summaries and pull-request comments), with the policy verdict. */
export function renderAnalysisMarkdown(a: ImageAnalysis, verdict?: PolicyVerdict): string {
  const esc = (s: string): string => escapeTerminal(s).replace(/\|/g, '\\|');
  const out: string[] = [];
  out.push(`## ${esc(a.reference)}`);
  out.push('');
  out.push('| | |');
  out.push('|---|---|');
  if (a.source) out.push(`| read from | ${esc(`${a.source.kind}: ${a.source.where}`)} |`);
  out.push(`| size | ${formatBytes(a.size.content)} (${storedSizePhrase(a)}) |`);
  out.push(`| layers | ${a.layers.length} |`);
  out.push(`| files | ${a.files.count} (${a.files.executables} executable) |`);
  out.push(
    `| efficiency | ${percent(a.efficiency.score)} (${formatBytes(a.efficiency.wastedBytes)} wasted) |`,
  );
  out.push(`| user | ${esc(a.config.user || '(unset)')}${a.config.runsAsRoot ? ' (root)' : ''} |`);
  out.push(`| shell | ${esc(a.utilities.shells.join(', ') || 'none')} |`);
  out.push(`| packages | ${a.packages.length} |`);
  out.push('');
  if (verdict) {
    out.push(verdict.passed ? '**Policy: PASS**' : '**Policy: FAIL** (exit status 3)');
    for (const v of verdict.violations) {
      out.push(
        `- \`${v.gate}\`: ${esc(v.message)}${v.paths.length ? ` (paths: ${esc(pathList(v.paths))})` : ''}`,
      );
    }
    out.push('');
  }
  out.push('| severity | rule | finding | paths | fix |');
  out.push('|---|---|---|---|---|');
  for (const f of sortedFindings(a)) {
    out.push(
      `| ${f.severity} | ${f.rule} | ${esc(f.message)} | ${esc(pathList(f.paths, 3))} | ${esc(f.fix)} |`,
    );
  }
  if (a.findings.length === 0) out.push('| | | no findings | | |');
  for (const b of a.goBinaries) {
    const section = renderAttributionMarkdown(b);
    if (section) out.push('', section);
  }
  return `${out.join('\n')}\n`;
}
