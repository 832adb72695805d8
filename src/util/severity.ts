import { MinnowError } from '../errors.js';

/**
 * The one severity scale of every finding minnow reports (image rules and Dockerfile rules alike), most severe
 * first, as trivy and the CVSS ratings platform teams gate on use it. `--fail-on` takes one of these everywhere.
 */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** True when `s` is at least as severe as `threshold`. */
export function atLeast(s: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(s) <= SEVERITIES.indexOf(threshold);
}

/** Parses a severity name (`high`, any case); one clear error naming the scale otherwise. */
export function parseSeverity(value: string): Severity {
  const v = value.toLowerCase() as Severity;
  if (!SEVERITIES.includes(v)) {
    throw new MinnowError(
      'INVALID_ARGUMENT',
      `invalid severity "${value}": want one of ${SEVERITIES.join(', ')}`,
    );
  }
  return v;
}

/** A count of findings per severity, every severity present (zero when none). */
export function countSeverities(findings: readonly { severity: Severity }[]): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) counts[f.severity]++;
  return counts;
}
