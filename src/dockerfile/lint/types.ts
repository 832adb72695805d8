import type { DockerfileModel } from './model.js';

import type { Severity } from '../../util/severity.js';

// One scale for image and Dockerfile findings (util/severity.ts).
export { SEVERITIES, atLeast, type Severity } from '../../util/severity.js';

/** What a rule is, independent of any finding: stable across releases. */
export interface RuleMeta {
  /** Stable ID (`MN-DF-004`); never reused for another check. */
  id: string;
  /** Short kebab-case name (`final-user-root`). */
  name: string;
  severity: Severity;
  /** One sentence: what the rule checks and why. */
  description: string;
  /** What to change. */
  fix: string;
  /** The hadolint rule checking the same thing, where one does (`DL3002`). */
  hadolint?: string;
  /** The Docker build check with the same aim, where one exists (`JSONArgsRecommended`). */
  dockerCheck?: string;
}

/** A place in a file: 1-based line and column, end inclusive of the last character's column + 1. */
export interface Location {
  /** The file the finding is in (the Dockerfile, or the .dockerignore for MN-DF-010). */
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** One problem found. */
export interface LintFinding {
  ruleId: string;
  ruleName: string;
  severity: Severity;
  message: string;
  fix: string;
  hadolint?: string;
  location: Location;
  /** The source line the finding points at, with secret values masked. */
  source: string;
}

/** What a rule reports; the engine adds the rule's metadata and the source line. */
export interface RawFinding {
  message: string;
  /** 0-based positions, as dockerfile-ast gives them. */
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  /** A different file than the Dockerfile (with its text, for the source line). */
  file?: { path: string; text: string };
}

/** A check over a parsed Dockerfile. */
export interface Rule {
  meta: RuleMeta;
  check(model: DockerfileModel): RawFinding[];
}
