import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
} from 'yaml';
import type { z } from 'zod';
import { MinnowError, messageOf } from '../errors.js';
import { readModulePath } from './module-path.js';
import { configSchema, type MinnowConfig } from './schema.js';

/** File names minnow looks for in the module root, in order. */
export const CONFIG_FILE_NAMES = ['minnow.yaml', '.minnow.yaml'] as const;

/** A config file that was found and validated. */
export interface LoadedConfig {
  /** Absolute or as-given path of the file. */
  path: string;
  config: MinnowConfig;
  /** Keys of a translated `.ko.yaml` that minnow ignored, one line each, for the CLI to show. */
  warnings?: string[];
}

/** One validation problem with its place in the file (1-based line and column). */
export interface ConfigProblem {
  file: string;
  line: number;
  col: number;
  /** Dotted path of the offending value, e.g. `builds[1].platforms[0]`. */
  path: string;
  message: string;
}

type PathKey = string | number;

function formatPath(path: readonly PathKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? key : `.${key}`;
  return out || '(top level)';
}

/** The deepest node along `path` that exists (a missing key points at its parent map). */
function nodeAt(doc: Document, path: readonly PathKey[]): Node | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (node && typeof node === 'object' && 'range' in node) return node as Node;
  }
  return undefined;
}

/** The key node of `key` inside the map at `path`, for "unknown key" problems. */
function keyNodeAt(doc: Document, path: readonly PathKey[], key: string): Node | undefined {
  const map = path.length === 0 ? doc.contents : doc.getIn(path, true);
  if (!isMap(map)) return undefined;
  for (const pair of map.items) {
    if (isPair(pair) && isScalar(pair.key) && pair.key.value === key) return pair.key;
  }
  return undefined;
}

/**
 * YAML 1.2 reads an unquoted `0755` as the decimal 755; for file modes that is never what was meant. Turn such
 * scalars back into their source text so the schema reads them as octal strings.
 */
function keepOctalModes(doc: Document): void {
  const fixFiles = (files: unknown): void => {
    if (!isSeq(files)) return;
    for (const item of files.items) {
      if (!isMap(item)) continue;
      const mode = item.get('mode', true);
      const source = isScalar(mode) ? (mode.srcToken as { source?: string } | undefined)?.source : undefined;
      if (isScalar(mode) && typeof mode.value === 'number' && source && /^0[0-7]+$/.test(source)) {
        mode.value = source;
      }
    }
  };
  fixFiles(doc.getIn(['defaults', 'files'], true));
  const builds = doc.get('builds', true);
  if (isSeq(builds)) for (const b of builds.items) if (isMap(b)) fixFiles(b.get('files', true));
}

function problemsOf(
  doc: Document,
  lines: LineCounter,
  file: string,
  issues: readonly z.core.$ZodIssue[],
): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((k): k is PathKey => typeof k !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const pos = lines.linePos(keyNodeAt(doc, path, key)?.range?.[0] ?? 0);
        out.push({ file, ...pos, path: formatPath([...path, key]), message: `unknown key "${key}"` });
      }
      continue;
    }
    const node = nodeAt(doc, path);
    const pos = lines.linePos(node?.range?.[0] ?? 0);
    const missing = issue.code === 'invalid_type' && doc.getIn(path, true) === undefined && path.length > 0;
    out.push({
      file,
      ...pos,
      path: formatPath(path),
      message: missing ? 'is required' : issue.message,
    });
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col);
}

function invalid(problems: ConfigProblem[]): MinnowError {
  const [first] = problems;
  const where = first ? `${first.file}:${first.line}:${first.col}` : '';
  const message = first ? `${where}: ${first.path}: ${first.message}` : 'invalid config';
  return new MinnowError('CONFIG_INVALID', message, {
    subject: first?.file,
    hint: problems.length > 1 ? `and ${problems.length - 1} more problem(s) in the same file` : undefined,
    details: { problems },
  });
}

/** Where an alias problem is: the first alias node (an unresolved one first), else the top of the file. */
function aliasProblem(doc: Document, lines: LineCounter, file: string, err: unknown): ConfigProblem {
  let at: number | undefined;
  let unresolved: number | undefined;
  const anchors = new Set<string>();
  visit(doc, {
    Node(_key, node) {
      if (node.anchor) anchors.add(node.anchor);
    },
    Alias(_key, node) {
      at ??= node.range?.[0];
      if (!anchors.has(node.source)) unresolved ??= node.range?.[0];
    },
  });
  const pos = lines.linePos(unresolved ?? at ?? 0);
  const message = /excessive alias/i.test(messageOf(err))
    ? 'too many aliases (an alias bomb?): at most 100 are expanded'
    : unresolved !== undefined
      ? 'alias to an anchor that is not defined before it'
      : (messageOf(err).split('\n')[0] ?? 'bad alias');
  return { file, line: pos.line, col: pos.col, path: '(yaml)', message };
}

/**
 * Parses and validates config text. Throws CONFIG_INVALID whose message starts with `file:line:col`, with every
 * problem in `details.problems`.
 */
export function parseConfig(text: string, file = 'minnow.yaml'): MinnowConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, keepSourceTokens: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw invalid(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
        return {
          file,
          line: pos.line,
          col: pos.col,
          path: '(yaml)',
          message: e.message.split('\n')[0] ?? '',
        };
      }),
    );
  }
  keepOctalModes(doc);
  let data: unknown;
  try {
    // maxAliasCount bounds a "billion laughs" alias bomb; an alias to no anchor also fails here.
    data = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (err) {
    throw invalid([aliasProblem(doc, lines, file, err)]);
  }
  const result = configSchema.safeParse(data);
  if (!result.success) throw invalid(problemsOf(doc, lines, file, result.error.issues));
  return result.data;
}

/**
 * Finds `minnow.yaml` (or `.minnow.yaml`) in the module root `dir` and parses it; without one, ko's `.ko.yaml`
 * (or `KO_CONFIG_PATH`) translated; undefined when there is neither. Both minnow files present is an error, since
 * only one can win.
 */
export async function loadConfig(
  dir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedConfig | undefined> {
  const found: Array<{ path: string; text: string }> = [];
  for (const name of CONFIG_FILE_NAMES) {
    const path = join(dir, name);
    const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw new MinnowError('CONFIG_INVALID', `cannot read ${path}: ${err.message}`, {
        subject: path,
        cause: err,
      });
    });
    if (text !== undefined) found.push({ path, text });
  }
  if (found.length > 1) {
    throw new MinnowError('CONFIG_INVALID', `both ${CONFIG_FILE_NAMES.join(' and ')} exist in ${dir}`, {
      subject: dir,
      hint: 'keep one of them',
    });
  }
  const [one] = found;
  if (!one) {
    const { loadKoConfig } = await import('./ko-config.js');
    const modulePath = await readModulePath(dir).catch(() => '');
    return loadKoConfig(dir, modulePath, env);
  }
  return { path: one.path, config: parseConfig(one.text, one.path) };
}
