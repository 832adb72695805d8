import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { parseCompression, type CompressionChoice } from '../build/compression-choice.js';
import type { BuildOptions } from '../build/types.js';
import { parsePlatformList } from '../build/validate.js';
import { MinnowError, messageOf } from '../errors.js';
import type { Platform } from '../oci/index.js';
import { readGitInfo } from './git-info.js';
import { access } from 'node:fs/promises';
import { withEnvDefaults } from './env-defaults.js';
import type { LoadedConfig } from './load-config.js';
import type { AttestSettings, MinnowConfig } from './schema.js';
import { findModuleRoot, importPathOf, readModulePath } from './module-path.js';
import { settingsFor, type PackageSettings } from './settings-for.js';
import { templateValues, type TemplateValues } from './template.js';

/** What minnow.yaml says about one build, ready to merge with command-line flags. */
export interface ConfiguredBuild {
  /** The module root the config was looked for in, when `dir` is in a module. */
  moduleDir?: string;
  modulePath?: string;
  /** The config file, when there is one. */
  config?: LoadedConfig;
  /** Build options from the config (empty without one). Paths in it are absolute. */
  options: BuildOptions;
  /** The config says `platforms: all`: expand it with `allPlatforms(base)` (options.platforms is unset). */
  allPlatforms?: boolean;
  /** The config's `attest` block, `signKey` made absolute (relative to the config file). */
  attest?: AttestSettings;
}

/** The settings of one package as build() options. Paths (`files[].src`, `data`) become absolute. */
export function toBuildOptions(s: PackageSettings, moduleDir: string, file = 'minnow.yaml'): BuildOptions {
  // `all` depends on the base, so it is expanded by the caller (see ConfiguredBuild.allPlatforms).
  const platforms = s.platforms === undefined || s.platforms === 'all' ? undefined : s.platforms.join(',');
  return {
    ...(s.base ? { base: s.base } : {}),
    ...(platforms ? { platforms: configPlatforms(platforms, file) } : {}),
    ...(s.ldflags?.length ? { ldflags: s.ldflags.join(' ') } : {}),
    ...(s.tags ? { tags: s.tags } : {}),
    ...(s.flags?.length ? { goFlags: s.flags } : {}),
    ...(s.goEnv ? { goEnv: s.goEnv } : {}),
    ...(s.env ? { env: s.env } : {}),
    ...(s.user !== undefined ? { user: String(s.user) } : {}),
    ...(s.workdir ? { workdir: s.workdir } : {}),
    ...(s.args ? { args: s.args } : {}),
    ...(s.entrypoint ? { entrypoint: [s.entrypoint] } : {}),
    ...(s.ports ? { ports: s.ports.map(String) } : {}),
    ...(s.tzdata ? { tzdata: true } : {}),
    ...(s.capabilities?.length ? { capabilities: s.capabilities } : {}),
    ...(s.labels ? { labels: s.labels } : {}),
    ...(s.annotations ? { annotations: s.annotations } : {}),
    ...(s.files ? { files: s.files.map((f) => ({ ...f, src: resolve(moduleDir, f.src) })) } : {}),
    ...(s.data ? { data: resolve(moduleDir, s.data) } : {}),
    ...(s.compression ? { compression: configCompression(s.compression, file) } : {}),
  };
}

/** The config's compression through the build's own parser, so a level out of range is a config error too. */
function configCompression(value: string, file: string): CompressionChoice {
  try {
    return parseCompression(value, 'compression');
  } catch (err) {
    throw new MinnowError('CONFIG_INVALID', `${file}: ${messageOf(err)}`, { subject: file, cause: err });
  }
}

/** The config's platforms through the build's own parser; what it refuses (e.g. "all") is a config error. */
function configPlatforms(value: string, file: string): Platform[] {
  try {
    return parsePlatformList(value);
  } catch (err) {
    throw new MinnowError('CONFIG_INVALID', `${file}: platforms: ${messageOf(err)}`, {
      subject: file,
      cause: err,
    });
  }
}

const MAP_KEYS = ['env', 'goEnv', 'labels', 'annotations'] as const;

/** minnow's config files (load-config.ts) and ko's, named here so a build without any loads neither yaml nor zod. */
const CONFIG_FILES = ['minnow.yaml', '.minnow.yaml', '.ko.yaml'];

/**
 * Options from the config overlaid with those from flags: a flag wins over the config, and for maps (env,
 * goEnv, labels, annotations) key by key.
 */
export function mergeBuildOptions(fromConfig: BuildOptions, fromFlags: BuildOptions): BuildOptions {
  const merged: BuildOptions = { ...fromConfig };
  for (const [k, v] of Object.entries(fromFlags)) if (v !== undefined) Object.assign(merged, { [k]: v });
  for (const key of MAP_KEYS) {
    if (fromConfig[key] && fromFlags[key]) merged[key] = { ...fromConfig[key], ...fromFlags[key] };
  }
  return merged;
}

/** The import path a package pattern given relative to `dir` names, or undefined for `...` patterns. */
function importPathFor(pkg: string, dir: string, moduleDir: string, modulePath: string): string | undefined {
  if (pkg.includes('...')) return undefined;
  if (!pkg.startsWith('.')) return pkg;
  const rel = relative(moduleDir, resolve(dir, pkg)).split(sep).join('/');
  return importPathOf(rel === '' ? '.' : `./${posix.normalize(rel)}`, modulePath);
}

/**
 * Reads minnow.yaml from the module root above `dir` and returns the options for the build of `packages`
 * (the first package's `builds` entry over `defaults`), with templates expanded from git. No config, or no
 * module, gives empty options.
 */
export async function configuredBuild(
  dir: string,
  packages: readonly string[] = ['.'],
  values?: TemplateValues,
): Promise<ConfiguredBuild> {
  const moduleDir = await findModuleRoot(dir);
  if (!moduleDir) return { options: {} };
  // yaml and the schema (zod) load only when there is a file to read: most builds have none, and they should
  // not wait for those modules before Go starts.
  const present = await Promise.all(
    CONFIG_FILES.map((n) =>
      access(join(moduleDir, n)).then(
        () => true,
        () => false,
      ),
    ),
  );
  const config =
    present.includes(true) || process.env.KO_CONFIG_PATH
      ? await (await import('./load-config.js')).loadConfig(moduleDir)
      : undefined;
  const effective = withEnvDefaults(config?.config);
  if (!effective) return { moduleDir, options: {} };
  const modulePath = await readModulePath(moduleDir);
  const importPath = importPathFor(packages[0] ?? '.', dir, moduleDir, modulePath) ?? '';
  const vals = values ?? templateValues(await readGitInfo(moduleDir));
  const file = config?.path ?? 'MINNOW_BASE/MINNOW_PLATFORMS';
  const modulePaths = await buildModulePaths(effective, config ? dirname(config.path) : moduleDir);
  const settings = settingsFor(effective, importPath, modulePath, vals, file, modulePaths);
  const options = toBuildOptions(settings, moduleDir, file);
  // A build in another module of the repository (`dir:`) is built there.
  if (settings.build?.dir)
    options.dir = resolve(config ? dirname(config.path) : moduleDir, settings.build.dir);
  const attest = effective.attest;
  return {
    moduleDir,
    modulePath,
    ...(config ? { config } : {}),
    options,
    ...(settings.platforms === 'all' ? { allPlatforms: true } : {}),
    ...(attest
      ? {
          attest: {
            ...attest,
            ...(attest.signKey
              ? { signKey: resolve(config ? dirname(config.path) : moduleDir, attest.signKey) }
              : {}),
          },
        }
      : {}),
  };
}

/** The module path of each build's `dir:` (multi-module repositories), keyed by the `dir` as written. */
async function buildModulePaths(config: MinnowConfig, base: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const b of config.builds ?? []) {
    if (!b.dir || out.has(b.dir)) continue;
    const path = await readModulePath(resolve(base, b.dir)).catch(() => undefined);
    if (path) out.set(b.dir, path);
  }
  return out;
}
