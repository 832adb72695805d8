import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { MinnowError } from '../errors.js';
import { importPathOf, readModulePath } from './module-path.js';
import { configSchema, type BuildEntry, type MinnowConfig } from './schema.js';

/**
 * ko's `.ko.yaml`, read as it is when a module has no minnow.yaml, so a ko user can switch without rewriting
 * it. The file is translated into a minnow config; every key minnow does not carry over is named in a warning.
 */

/** The file ko reads from the working directory; `KO_CONFIG_PATH` names another file or directory. */
export const KO_CONFIG_FILE = '.ko.yaml';

/** A `.ko.yaml` translated into minnow's config, with what was left out. */
export interface KoConfig {
  path: string;
  config: MinnowConfig;
  /** One line per ignored key, e.g. `.ko.yaml: builds[0].goarch is not supported by minnow (ignored)`. */
  warnings: string[];
}

const TOP_KEYS = new Set([
  'defaultBaseImage',
  'baseImageOverrides',
  'defaultPlatforms',
  'defaultEnv',
  'defaultFlags',
  'defaultLdflags',
  'builds',
]);
const BUILD_KEYS = new Set(['id', 'dir', 'main', 'env', 'flags', 'ldflags', 'linux_capabilities']);
const ID = /^[a-z0-9][a-z0-9._-]*$/;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(file: string, key: string, want: string): MinnowError {
  return new MinnowError('CONFIG_INVALID', `${file}: ${key}: must be ${want}`, { subject: file });
}

function strings(v: unknown, file: string, key: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw bad(file, key, 'a list of strings');
  return v;
}

/** ko's `KEY=VALUE` lists as a map. */
function envMap(v: unknown, file: string, key: string): Record<string, string> | undefined {
  const list = strings(v, file, key);
  if (!list) return undefined;
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw bad(file, key, `KEY=VALUE entries, not "${item}"`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/**
 * Translates parsed `.ko.yaml` data. `modulePath` is the module the file sits in; `modulePathOf(dir)` gives the
 * module of a build's `dir:` (for matching `baseImageOverrides`, keyed by import path, to builds).
 */
export function translateKoConfig(
  data: unknown,
  file: string,
  modulePath: string,
  modulePathOf: (dir: string) => string | undefined = () => undefined,
): KoConfig {
  const warnings: string[] = [];
  const ignore = (key: string): void => {
    warnings.push(`${file}: ${key} is not supported by minnow (ignored)`);
  };
  if (data === null || data === undefined) data = {};
  if (!isRecord(data)) throw bad(file, '(top level)', 'a map');
  for (const key of Object.keys(data)) if (!TOP_KEYS.has(key)) ignore(key);

  const defaults: NonNullable<MinnowConfig['defaults']> = {};
  if (data.defaultBaseImage !== undefined) {
    if (typeof data.defaultBaseImage !== 'string') throw bad(file, 'defaultBaseImage', 'an image reference');
    defaults.base = data.defaultBaseImage;
  }
  const platforms = strings(data.defaultPlatforms, file, 'defaultPlatforms');
  if (platforms) {
    const list = platforms.flatMap((p) => p.split(',')).map((p) => p.trim());
    defaults.platforms = list.includes('all') ? 'all' : list;
  }
  const goEnv = envMap(data.defaultEnv, file, 'defaultEnv');
  if (goEnv) defaults.goEnv = goEnv;
  const flags = strings(data.defaultFlags, file, 'defaultFlags');
  if (flags) defaults.flags = flags;
  const ldflags = strings(data.defaultLdflags, file, 'defaultLdflags');
  if (ldflags) defaults.ldflags = ldflags;

  const builds: BuildEntry[] = [];
  const rawBuilds = data.builds ?? [];
  if (!Array.isArray(rawBuilds)) throw bad(file, 'builds', 'a list');
  rawBuilds.forEach((raw: unknown, i) => {
    const at = `builds[${i}]`;
    if (!isRecord(raw)) throw bad(file, at, 'a map');
    for (const key of Object.keys(raw)) if (!BUILD_KEYS.has(key)) ignore(`${at}.${key}`);
    const main = raw.main ?? '.';
    if (typeof main !== 'string') throw bad(file, `${at}.main`, 'a Go package');
    const entry: BuildEntry = { main };
    if (typeof raw.id === 'string' && ID.test(raw.id)) entry.id = raw.id;
    if (raw.dir !== undefined) {
      if (typeof raw.dir !== 'string') throw bad(file, `${at}.dir`, 'a directory');
      if (raw.dir !== '.' && raw.dir !== './') entry.dir = raw.dir;
    }
    const env = envMap(raw.env, file, `${at}.env`);
    if (env) entry.goEnv = env;
    const f = strings(raw.flags, file, `${at}.flags`);
    if (f) entry.flags = f;
    const l = strings(raw.ldflags, file, `${at}.ldflags`);
    if (l) entry.ldflags = l;
    const caps = strings(raw.linux_capabilities, file, `${at}.linux_capabilities`);
    if (caps) entry.capabilities = caps;
    builds.push(entry);
  });

  if (data.baseImageOverrides !== undefined) {
    if (!isRecord(data.baseImageOverrides))
      throw bad(file, 'baseImageOverrides', 'a map of import path: image');
    for (const [importPath, base] of Object.entries(data.baseImageOverrides)) {
      if (typeof base !== 'string') throw bad(file, `baseImageOverrides.${importPath}`, 'an image reference');
      const owner = builds.find(
        (b) => importPathOf(b.main, (b.dir && modulePathOf(b.dir)) || modulePath) === importPath,
      );
      if (owner) owner.base = base;
      else builds.push({ main: importPath, base });
    }
  }

  const config: MinnowConfig = {
    ...(Object.keys(defaults).length ? { defaults } : {}),
    ...(builds.length ? { builds } : {}),
  };
  const checked = configSchema.safeParse(config);
  if (!checked.success) {
    const [issue] = checked.error.issues;
    const where = issue?.path.map(String).join('.') ?? '';
    throw new MinnowError('CONFIG_INVALID', `${file}: ${where}: ${issue?.message ?? 'invalid'}`, {
      subject: file,
    });
  }
  return { path: file, config: checked.data, warnings };
}

/**
 * Where ko would read its config for a module at `moduleDir`: `KO_CONFIG_PATH` (a file, or a directory holding
 * .ko.yaml), else `moduleDir/.ko.yaml`. Undefined when there is no such file.
 */
export async function findKoConfig(
  moduleDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const named = env.KO_CONFIG_PATH ? resolve(env.KO_CONFIG_PATH) : undefined;
  const info = named ? await stat(named).catch(() => undefined) : undefined;
  if (named && !info) {
    throw new MinnowError('CONFIG_INVALID', `KO_CONFIG_PATH ${named} does not exist`, { subject: named });
  }
  const path = named
    ? info?.isDirectory()
      ? join(named, KO_CONFIG_FILE)
      : named
    : join(moduleDir, KO_CONFIG_FILE);
  return (await stat(path).catch(() => undefined))?.isFile() ? path : undefined;
}

/** Reads and translates the `.ko.yaml` that applies to `moduleDir`; undefined when there is none. */
export async function loadKoConfig(
  moduleDir: string,
  modulePath: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<KoConfig | undefined> {
  const path = await findKoConfig(moduleDir, env);
  if (!path) return undefined;
  const doc = parseDocument(await readFile(path, 'utf8'), { prettyErrors: false });
  const [error] = doc.errors;
  if (error) {
    throw new MinnowError('CONFIG_INVALID', `${path}: invalid YAML: ${error.message.split('\n')[0]}`, {
      subject: path,
    });
  }
  const data: unknown = doc.toJS();
  const base = dirname(path);
  const dirs = new Map<string, string>();
  if (isRecord(data) && Array.isArray(data.builds)) {
    for (const b of data.builds as unknown[]) {
      if (!isRecord(b) || typeof b.dir !== 'string' || dirs.has(b.dir)) continue;
      const mp = await readModulePath(resolve(base, b.dir)).catch(() => undefined);
      if (mp) dirs.set(b.dir, mp);
    }
  }
  return translateKoConfig(data, path, modulePath, (d) => dirs.get(d));
}
