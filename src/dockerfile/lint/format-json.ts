import { countBySeverity } from './format-text.js';
import type { LintResult } from './lint.js';
import type { LintFinding, Severity } from './types.js';

/** The JSON report's shape (version 1). */
export interface LintJsonReport {
  version: 1;
  results: Array<{ file: string; findings: LintFinding[]; counts: Record<Severity, number> }>;
  counts: Record<Severity, number>;
}

/** The machine-readable report: every finding with rule, severity, location, message, fix and hadolint code. */
export function toJsonReport(results: LintResult[]): LintJsonReport {
  return {
    version: 1,
    results: results.map((r) => ({
      file: r.file,
      findings: r.findings,
      counts: countBySeverity(r.findings),
    })),
    counts: countBySeverity(results.flatMap((r) => r.findings)),
  };
}

/** The JSON report as text. */
export function formatJson(results: LintResult[]): string {
  return `${JSON.stringify(toJsonReport(results), null, 2)}\n`;
}
