import { MinnowError } from '../errors.js';
import { importPathOf } from './module-path.js';
import type { BuildEntry, BuildSettings, MinnowConfig } from './schema.js';
import { renderTemplate, type TemplateValues } from './template.js';

/** The settings that apply to one package: defaults, then its `builds` entry, with templates expanded. */
export interface PackageSettings extends BuildSettings {
  /** The `builds` entry that matched, if any. */
  build?: BuildEntry;
}

const MAP_KEYS = ['env', 'goEnv', 'labels', 'annotations'] as const;

/**
 * Merges `defaults` with the build entry for `importPath` (matched by the import path its `main` names, in the
 * module of its `dir` when `modulePaths` knows that one's path). Maps
 * (env, goEnv, labels, annotations) merge key by key with the build entry winning; every other field, lists
 * included, is replaced by the build entry's. Templates in ldflags, labels and annotations are expanded.
 */
export function settingsFor(
  config: MinnowConfig | undefined,
  importPath: string,
  modulePath: string,
  values: TemplateValues,
  file = 'minnow.yaml',
  modulePaths: ReadonlyMap<string, string> = new Map(),
): PackageSettings {
  const builds = config?.builds ?? [];
  const matches = builds.filter(
    (b) => importPathOf(b.main, (b.dir && modulePaths.get(b.dir)) || modulePath) === importPath,
  );
  if (matches.length > 1) {
    throw new MinnowError(
      'CONFIG_INVALID',
      `${file}: ${matches.length} builds name the package ${importPath}`,
      {
        subject: file,
      },
    );
  }
  const build = matches[0];
  const defaults = config?.defaults ?? {};
  const { id: _id, main: _main, dir: _dir, ...own } = build ?? { main: '' };
  const merged: PackageSettings = { ...defaults, ...stripUndefined(own) };
  for (const key of MAP_KEYS) {
    if (defaults[key] || own[key]) merged[key] = { ...defaults[key], ...own[key] };
  }
  if (merged.ldflags) merged.ldflags = merged.ldflags.map((f) => renderTemplate(f, values, file));
  if (merged.flags) merged.flags = merged.flags.map((f) => renderTemplate(f, values, file));
  for (const key of ['labels', 'annotations'] as const) {
    const map = merged[key];
    if (map)
      merged[key] = Object.fromEntries(
        Object.entries(map).map(([k, v]) => [k, renderTemplate(v, values, file)]),
      );
  }
  if (build) merged.build = build;
  return merged;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
