import { MinnowError } from '../errors.js';
import { SEVERITIES, type ImageAnalysis, type Severity } from './types.js';

export { parseSize } from '../util/size.js';

export { parseSeverity } from '../util/severity.js';

const mb = (n: number): string => `${(n / 1e6).toFixed(2)} MB (${n} bytes)`;

/** Parses a ratio given as `0.9`, `90%` or `90` (percent), into 0..1. */
export function parseRatio(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(value.trim());
  const n = m ? Number(m[1]) : NaN;
  const ratio = m && (m[2] === '%' || n > 1) ? n / 100 : n;
  if (!m || !(ratio >= 0 && ratio <= 1)) {
    throw new MinnowError(
      'INVALID_ARGUMENT',
      `invalid ${flag} "${value}": want a ratio (0.9) or a percentage (90%)`,
    );
  }
  return ratio;
}

/** CI gates on an analysis. Every limit is optional; an empty policy always passes. */
export interface Policy {
  /** Fail when a finding is at least this severe. */
  failOn?: Severity;
  /** Fail when the image (docker image ls size) is larger, in bytes. */
  maxSize?: number;
  /** Fail when the efficiency score (0..1) is lower, as dive's `lowestEfficiency`. */
  minEfficiency?: number;
  /** Fail when more bytes are wasted, as dive's `highestWastedBytes`. */
  maxWastedBytes?: number;
  /** Fail when the wasted share of the image (0..1) is higher, as dive's `highestUserWastedPercent`. */
  maxWastedPercent?: number;
}

/** The CI gates, by the flag that sets each. */
export type PolicyGate =
  'fail-on' | 'max-size' | 'min-efficiency' | 'max-wasted-bytes' | 'max-wasted-percent';

/** One broken limit: which gate, why in one line, and the findings and paths behind it. */
export interface PolicyViolation {
  gate: PolicyGate;
  message: string;
  /** The rule IDs of the findings that broke `fail-on`. */
  rules: string[];
  /** The paths involved (the findings' paths, or the paths that waste the most). */
  paths: string[];
}

/** Whether an analysis passes a policy, and every reason it does not. */
export interface PolicyVerdict {
  passed: boolean;
  violations: PolicyViolation[];
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** Checks every limit of `policy` against `a` and says which ones break, with their findings and paths. */
export function evaluatePolicy(a: ImageAnalysis, policy: Policy): PolicyVerdict {
  const violations: PolicyViolation[] = [];
  const wastedPaths = a.efficiency.wasted.map((w) => w.path);
  if (policy.failOn) {
    const limit = SEVERITIES.indexOf(policy.failOn);
    const bad = a.findings.filter((f) => SEVERITIES.indexOf(f.severity) <= limit);
    if (bad.length > 0) {
      violations.push({
        gate: 'fail-on',
        message: `${bad.length} finding${bad.length === 1 ? '' : 's'} at or above ${policy.failOn}: ${bad.map((f) => `${f.rule} ${f.title.toLowerCase()}`).join(', ')}`,
        rules: bad.map((f) => f.rule),
        paths: [...new Set(bad.flatMap((f) => f.paths))],
      });
    }
  }
  if (policy.maxSize !== undefined && a.size.content > policy.maxSize) {
    violations.push({
      gate: 'max-size',
      message: `size ${mb(a.size.content)} exceeds the --max-size of ${mb(policy.maxSize)}`,
      rules: [],
      paths: a.files.largest.map((f) => f.path),
    });
  }
  if (policy.minEfficiency !== undefined && a.efficiency.score < policy.minEfficiency) {
    violations.push({
      gate: 'min-efficiency',
      message: `efficiency ${pct(a.efficiency.score)} is below the --min-efficiency of ${pct(policy.minEfficiency)}`,
      rules: [],
      paths: wastedPaths,
    });
  }
  if (policy.maxWastedBytes !== undefined && a.efficiency.wastedBytes > policy.maxWastedBytes) {
    violations.push({
      gate: 'max-wasted-bytes',
      message: `${mb(a.efficiency.wastedBytes)} wasted exceeds the --max-wasted-bytes of ${mb(policy.maxWastedBytes)}`,
      rules: [],
      paths: wastedPaths,
    });
  }
  const share = a.size.content === 0 ? 0 : a.efficiency.wastedBytes / a.size.content;
  if (policy.maxWastedPercent !== undefined && share > policy.maxWastedPercent) {
    violations.push({
      gate: 'max-wasted-percent',
      message: `${pct(share)} of the image is wasted, above the --max-wasted-percent of ${pct(policy.maxWastedPercent)}`,
      rules: [],
      paths: wastedPaths,
    });
  }
  return { passed: violations.length === 0, violations };
}

/** Why an analysis breaks a policy, one reason per broken limit (empty when it passes). */
export function policyViolations(a: ImageAnalysis, policy: Policy): string[] {
  return evaluatePolicy(a, policy).violations.map((v) => v.message);
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
