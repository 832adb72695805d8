import type { LintResult } from './lint.js';
import { countSeverities, SEVERITIES, type Severity } from '../../util/severity.js';
import type { LintFinding } from './types.js';

/** Colours for the text report, one per severity; identity functions give plain text. */
export type TextStyle = Record<Severity | 'dim' | 'bold', (s: string) => string>;

const plain = (s: string): string => s;
/** No colour. */
export const PLAIN: TextStyle = {
  critical: plain,
  high: plain,
  medium: plain,
  low: plain,
  info: plain,
  dim: plain,
  bold: plain,
};

function caret(f: LintFinding): string {
  const { column, endColumn, line, endLine } = f.location;
  let width = 1;
  if (endLine === line && endColumn > column) width = endColumn - column;
  else if (endLine > line) width = f.source.length - column + 1;
  return `${' '.repeat(column - 1)}${'^'.repeat(Math.max(1, width))}`;
}

function one(f: LintFinding, style: TextStyle): string {
  const sev = style[f.severity](f.severity);
  const where = `${f.location.file}:${f.location.line}:${f.location.column}`;
  const gutter = String(f.location.line).padStart(5);
  const lines = [`${style.bold(where)}: ${sev} ${f.ruleId} (${f.ruleName}) ${f.message}`];
  if (f.source !== '' || f.location.line > 0) {
    lines.push(
      style.dim(`${gutter} | `) + f.source,
      style.dim(`${' '.repeat(5)} | `) + style[f.severity](caret(f)),
    );
  }
  const also = f.hadolint ? ` [hadolint ${f.hadolint}]` : '';
  lines.push(style.dim(`${' '.repeat(5)} = fix: ${f.fix}${also}`));
  return lines.join('\n');
}

/** Counts findings by severity. */
export function countBySeverity(findings: LintFinding[]): Record<Severity, number> {
  return countSeverities(findings);
}

/** The summary line: `Dockerfile: 1 high, 2 medium, 3 low` or `Dockerfile: no findings`. */
export function summaryLine(result: LintResult): string {
  const c = countBySeverity(result.findings);
  if (result.findings.length === 0) return `${result.file}: no findings`;
  const parts = SEVERITIES.filter((s) => c[s] > 0).map((s) => `${c[s]} ${s}`);
  return `${result.file}: ${parts.join(', ')}`;
}

/** The human report: each finding with its source line and a caret under the spot, then a summary line. */
export function formatText(results: LintResult[], style: TextStyle = PLAIN): string {
  const blocks: string[] = [];
  for (const r of results) {
    for (const f of r.findings) blocks.push(one(f, style));
    blocks.push(style.bold(summaryLine(r)));
  }
  return `${blocks.join('\n\n')}\n`;
}
