import type { MinnowConfig } from './schema.js';

/**
 * The environment's defaults, ko's names and minnow's: `MINNOW_BASE` (or ko's `KO_DEFAULTBASEIMAGE`) and
 * `MINNOW_PLATFORMS` (or `KO_DEFAULTPLATFORMS`) replace the config's `defaults.base` / `defaults.platforms`, as
 * ko's environment replaces `.ko.yaml`'s keys. A build's own entry (ko's `baseImageOverrides`) still wins, and a
 * flag wins over all of them. Returns the config unchanged when none is set.
 */
export function withEnvDefaults(
  config: MinnowConfig | undefined,
  env: NodeJS.ProcessEnv = process.env,
): MinnowConfig | undefined {
  const base = env.MINNOW_BASE || env.KO_DEFAULTBASEIMAGE;
  const platforms = (env.MINNOW_PLATFORMS || env.KO_DEFAULTPLATFORMS || '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (!base && platforms.length === 0) return config;
  const defaults = { ...config?.defaults };
  if (base) defaults.base = base;
  if (platforms.length) defaults.platforms = platforms.includes('all') ? 'all' : platforms;
  return { ...config, defaults };
}
