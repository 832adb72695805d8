import { MinnowError } from '../errors.js';
import type { GitInfo } from './git-info.js';

/** Values a `{{.Name}}` template can use. Nested objects are reached with dots: `{{.Git.ShortCommit}}`. */
export interface TemplateValues {
  [name: string]: string | TemplateValues;
}

/**
 * The values ldflags, labels and annotations templates see, in the names goreleaser and ko users know:
 * `.Version` `.Commit` `.FullCommit` `.ShortCommit` `.Tag` `.Branch` `.Date` `.Timestamp` `.CommitDate`
 * `.CommitTimestamp` `.IsDirty` `.Env.NAME`, and ko's `.Git.*` spellings of the same.
 *
 * `.Date` is not the wall clock: it is `SOURCE_DATE_EPOCH` when set, else the commit time of HEAD, else the
 * Unix epoch, so that the same commit always yields the same binary.
 */
export function templateValues(git: GitInfo, env: NodeJS.ProcessEnv = process.env): TemplateValues {
  const epoch =
    env.SOURCE_DATE_EPOCH && /^\d+$/.test(env.SOURCE_DATE_EPOCH) ? Number(env.SOURCE_DATE_EPOCH) : undefined;
  const seconds = epoch ?? git.commitTimestamp ?? 0;
  const iso = (s: number): string => new Date(s * 1000).toISOString().replace(/\.000Z$/, 'Z');
  const commit = git.commit ?? '';
  const shortCommit = commit.slice(0, 7);
  const tag = git.tag ?? '';
  const version = (env.MINNOW_VERSION || git.describe || '0.0.0-devel').replace(/^v(?=\d)/, '');
  const commitSeconds = git.commitTimestamp ?? 0;
  const dirty = git.dirty ? 'true' : 'false';
  // The spellings shared by the top level (goreleaser's) and `.Git` (ko's).
  const common: TemplateValues = {
    Commit: commit,
    FullCommit: commit,
    ShortCommit: shortCommit,
    Tag: tag,
    Branch: git.branch ?? '',
    IsDirty: dirty,
    CommitDate: iso(commitSeconds),
    CommitTimestamp: String(commitSeconds),
  };
  const envValues: TemplateValues = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) envValues[k] = v;
  return {
    Version: version,
    ...common,
    Date: iso(seconds),
    Timestamp: String(seconds),
    Env: envValues,
    Git: { ...common, IsClean: git.dirty ? 'false' : 'true', TreeState: git.dirty ? 'dirty' : 'clean' },
  };
}

const FIELD = /\{\{-?\s*(.*?)\s*-?\}\}/g;

/**
 * Expands `{{.Name}}` and `{{ .Env.NAME }}` fields. Only plain field references are supported (no pipelines or
 * functions); an unknown field is CONFIG_INVALID naming it, rather than an empty string baked into a binary.
 */
export function renderTemplate(text: string, values: TemplateValues, subject?: string): string {
  // `{{.Version` with no closing braces would otherwise reach the binary as it is.
  const open = text.replace(FIELD, '').indexOf('{{');
  if (open >= 0) {
    throw new MinnowError('CONFIG_INVALID', `unterminated template in "${text}": "{{" without "}}"`, {
      subject,
      hint: 'close it, as in {{.Version}}',
    });
  }
  return text.replace(FIELD, (_whole, expr: string) => {
    if (!/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(expr)) {
      throw new MinnowError('CONFIG_INVALID', `unsupported template "{{${expr}}}" in "${text}"`, {
        subject,
        hint: 'only fields like {{.Version}}, {{.Commit}}, {{.Date}} or {{.Env.NAME}} are supported',
      });
    }
    let cur: string | TemplateValues | undefined = values;
    for (const name of expr.slice(1).split('.')) {
      cur = typeof cur === 'object' ? cur[name] : undefined;
    }
    if (typeof cur !== 'string') {
      const envName = expr.startsWith('.Env.') ? expr.slice(5) : undefined;
      throw new MinnowError(
        'CONFIG_INVALID',
        envName
          ? `template "{{${expr}}}": environment variable ${envName} is not set`
          : `unknown template field "{{${expr}}}"`,
        {
          subject,
          hint: envName
            ? undefined
            : `fields: ${Object.keys(values)
                .map((k) => `.${k}`)
                .join(' ')}`,
        },
      );
    }
    return cur;
  });
}
