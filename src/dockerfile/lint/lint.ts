import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { MinnowError } from '../../errors.js';
import { parseDockerfile, type DockerfileModel, type DockerignoreFile } from './model.js';
import { secretValueRanges } from './rules/instructions.js';
import { RULES } from './rules/index.js';
import { checkSyntax } from './syntax.js';
import {
  atLeast,
  type LintFinding,
  type RawFinding,
  type Rule,
  type RuleMeta,
  type Severity,
} from './types.js';

/** How to lint. */
export interface LintOptions {
  /** Name shown for the Dockerfile in findings. Default `Dockerfile`. */
  file?: string;
  /**
   * The build context, whose .dockerignore MN-DF-010 checks. Default for `lintFile`: the Dockerfile's directory.
   * For `lintText`, without it MN-DF-010 is not checked.
   */
  contextDir?: string;
  /** Rule IDs (`MN-DF-008`) or hadolint codes (`DL3059`) to skip. */
  ignore?: string[];
}

/** The findings for one Dockerfile, in file, line and column order. */
export interface LintResult {
  file: string;
  findings: LintFinding[];
  /** Every rule that ran, so reports can describe them (SARIF lists them). */
  rules: RuleMeta[];
}

const IGNORE = /#\s*(?:minnow-lint|hadolint)\s+(global\s+)?ignore=([\w,\s-]+)/i;

/** `MN008`, the form before the one ID scheme (`MN-DF-008`), still names its rule in ignores. */
const OLD_ID = /^MN(\d{3})$/;

function matches(meta: RuleMeta, code: string): boolean {
  const c = code.trim().toUpperCase().replace(OLD_ID, 'MN-DF-$1');
  return c === meta.id || c === meta.name.toUpperCase() || (meta.hadolint ?? '').split(/,\s*/).includes(c);
}

/** Ignore comments: `# minnow-lint ignore=MN-DF-008` (or `# hadolint ignore=DL3006`) above an instruction, or global. */
function ignores(model: DockerfileModel): { global: string[]; byLine: Map<number, string[]> } {
  const global: string[] = [];
  const byLine = new Map<number, string[]>();
  const starts = model.ast.getInstructions().map((i) => i.getRange().start.line);
  model.lines.forEach((line, n) => {
    const m = IGNORE.exec(line.trim().startsWith('#') ? line : '');
    if (!m) return;
    const codes = m[2]!
      .split(',')
      .map((c) => c.trim())
      .filter((c) => c !== '');
    if (m[1]) {
      global.push(...codes);
      return;
    }
    const target = starts.find((s) => s > n);
    if (target !== undefined) byLine.set(target, [...(byLine.get(target) ?? []), ...codes]);
  });
  return { global, byLine };
}

function mask(line: string, lineNo: number, secrets: RawFinding['range'][]): string {
  let out = line;
  for (const r of secrets) {
    if (r.start.line > lineNo || r.end.line < lineNo) continue;
    const from = r.start.line === lineNo ? r.start.character : 0;
    const to = r.end.line === lineNo ? r.end.character : out.length;
    if (to > from) out = `${out.slice(0, from)}***${out.slice(to)}`;
  }
  return out;
}

function toFinding(
  rule: Rule,
  raw: RawFinding,
  model: DockerfileModel,
  secrets: RawFinding['range'][],
): LintFinding {
  const { start, end } = raw.range;
  const lines = raw.file ? raw.file.text.split(/\r?\n/) : model.lines;
  const source = raw.file ? (lines[start.line] ?? '') : mask(lines[start.line] ?? '', start.line, secrets);
  return {
    ruleId: rule.meta.id,
    ruleName: rule.meta.name,
    severity: rule.meta.severity,
    message: raw.message,
    fix: rule.meta.fix,
    ...(rule.meta.hadolint ? { hadolint: rule.meta.hadolint } : {}),
    location: {
      file: raw.file?.path ?? model.file,
      line: start.line + 1,
      column: start.character + 1,
      endLine: end.line + 1,
      endColumn: end.character + 1,
    },
    source,
  };
}

/**
 * Lints a parsed Dockerfile. Throws INVALID_ARGUMENT (one line, `file:line`) for a file `docker build` refuses:
 * empty, an unknown instruction, a missing FROM or arguments.
 */
export function lintModel(model: DockerfileModel, options: Pick<LintOptions, 'ignore'> = {}): LintResult {
  checkSyntax(model);
  const { global, byLine } = ignores(model);
  const skipped = [...global, ...(options.ignore ?? [])];
  const secrets = secretValueRanges(model);
  const findings: LintFinding[] = [];
  for (const rule of RULES) {
    if (skipped.some((c) => matches(rule.meta, c))) continue;
    for (const raw of rule.check(model)) {
      const local = raw.file ? [] : (byLine.get(raw.range.start.line) ?? []);
      if (local.some((c) => matches(rule.meta, c))) continue;
      findings.push(toFinding(rule, raw, model, secrets));
    }
  }
  findings.sort(
    (a, b) =>
      Number(a.location.file !== model.file) - Number(b.location.file !== model.file) ||
      a.location.line - b.location.line ||
      a.location.column - b.location.column ||
      a.ruleId.localeCompare(b.ruleId),
  );
  return { file: model.file, findings, rules: RULES.map((r) => r.meta) };
}

async function readDockerignore(contextDir: string, dockerfile?: string): Promise<DockerignoreFile | null> {
  // BuildKit reads <Dockerfile>.dockerignore first, then the context's .dockerignore.
  const candidates = [
    ...(dockerfile ? [`${dockerfile}.dockerignore`] : []),
    join(contextDir, '.dockerignore'),
  ];
  for (const path of candidates) {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text !== undefined) return { path, text };
  }
  return null;
}

/** Lints Dockerfile text. MN-DF-010 runs only when `contextDir` is given. */
export async function lintText(text: string, options: LintOptions = {}): Promise<LintResult> {
  checkDockerfileSize(text, options.file ?? 'Dockerfile');
  const dockerignore = options.contextDir ? await readDockerignore(resolve(options.contextDir)) : undefined;
  return lintModel(parseDockerfile(text, options.file ?? 'Dockerfile', dockerignore), options);
}

/**
 * Most bytes of a Dockerfile lint reads: real ones are a few KiB (the largest public ones under 100 KiB), and the
 * parser takes about 5 s per MiB, so a larger file is refused at once instead of keeping CI busy for minutes.
 */
export const MAX_DOCKERFILE_BYTES = 1024 * 1024;
/** Most bytes of one line of a Dockerfile (a continuation line counts on its own). */
export const MAX_DOCKERFILE_LINE = 64 * 1024;

function tooLarge(file: string, bytes: number): MinnowError {
  return new MinnowError(
    'LIMIT_EXCEEDED',
    `${file} is ${bytes} bytes, more than the ${MAX_DOCKERFILE_BYTES} a Dockerfile may be`,
    { subject: file },
  );
}

/** Fails with LIMIT_EXCEEDED, naming the file and line, when `text` is past the limits above. */
export function checkDockerfileSize(text: string, file: string): void {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_DOCKERFILE_BYTES) throw tooLarge(file, bytes);
  let start = 0;
  for (let line = 1; start <= text.length; line++) {
    const end = text.indexOf('\n', start);
    const stop = end < 0 ? text.length : end;
    if (stop - start > MAX_DOCKERFILE_LINE) {
      throw new MinnowError(
        'LIMIT_EXCEEDED',
        `${file}:${line} is ${stop - start} characters long, more than the ${MAX_DOCKERFILE_LINE} a Dockerfile line may be`,
        { subject: file },
      );
    }
    if (end < 0) break;
    start = end + 1;
  }
}

/** Reads and lints a Dockerfile; the build context defaults to its directory. */
export async function lintFile(path: string, options: LintOptions = {}): Promise<LintResult> {
  // A huge file is refused before it is read.
  const size = (await stat(path).catch(() => undefined))?.size ?? 0;
  if (size > MAX_DOCKERFILE_BYTES) throw tooLarge(options.file ?? path, size);
  const text = await readFile(path, 'utf8').catch((err: unknown) => {
    throw new MinnowError('NOT_FOUND', `cannot read ${path}`, { subject: path, cause: err });
  });
  checkDockerfileSize(text, options.file ?? path);
  const contextDir = resolve(options.contextDir ?? dirname(path));
  const dockerignore = await readDockerignore(contextDir, resolve(path));
  return lintModel(parseDockerfile(text, options.file ?? path, dockerignore), options);
}

/** True when any finding is at least `threshold` serious. */
export function failsAt(findings: LintFinding[], threshold: Severity): boolean {
  return findings.some((f) => atLeast(f.severity, threshold));
}
