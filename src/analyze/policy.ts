import { MinnowError } from '../errors.js';
import { SEVERITIES, type ImageAnalysis, type Severity } from './types.js';

export { parseSize } from '../util/size.js';

const mb = (n: number): string => `${(n / 1e6).toFixed(2)} MB (${n} bytes)`;

/** Parses a severity name (`high`). */
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

export interface Policy {
  /** Fail when a finding is at least this severe. */
  failOn?: Severity;
  /** Fail when the image (docker image ls size) is larger, in bytes. */
  maxSize?: number;
}

/** Why an analysis breaks a policy, one reason per broken limit (empty when it passes). */
export function policyViolations(a: ImageAnalysis, policy: Policy): string[] {
  const reasons: string[] = [];
  if (policy.failOn) {
    const limit = SEVERITIES.indexOf(policy.failOn);
    const bad = a.findings.filter((f) => SEVERITIES.indexOf(f.severity) <= limit);
    if (bad.length > 0) {
      reasons.push(
        `${bad.length} finding${bad.length === 1 ? '' : 's'} at or above ${policy.failOn}: ${bad.map((f) => `${f.rule} ${f.title.toLowerCase()}`).join(', ')}`,
      );
    }
  }
  if (policy.maxSize !== undefined && a.size.content > policy.maxSize) {
    reasons.push(`size ${mb(a.size.content)} exceeds the --max-size of ${mb(policy.maxSize)}`);
  }
  return reasons;
}

/** Throws POLICY_FAILED (exit status 3) naming every broken limit. */
export function enforcePolicy(a: ImageAnalysis, policy: Policy): void {
  const reasons = policyViolations(a, policy);
  if (reasons.length > 0) {
    throw new MinnowError('POLICY_FAILED', `${a.reference} fails the policy: ${reasons.join('; ')}`, {
      subject: a.reference,
    });
  }
}
