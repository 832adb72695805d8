import type { ImageConfig, Platform } from '../oci/index.js';

export interface AppConfig {
  platform: Platform;
  created: string;
  user: string;
  entrypoint: string[];
  args?: string[];
  workdir?: string;
  env?: Record<string, string>;
  /** Normalized ExposedPorts keys (`8080/tcp`). */
  ports?: string[];
  labels?: Record<string, string>;
}

/** Adds `extra` to a base `Env` list; a name set in both takes the new value in the base's position. */
export function mergeEnv(base: string[] | undefined, extra: Record<string, string> = {}): string[] {
  const out = [...(base ?? [])];
  for (const [key, value] of Object.entries(extra)) {
    const i = out.findIndex((e) => e.split('=')[0] === key);
    if (i >= 0) out[i] = `${key}=${value}`;
    else out.push(`${key}=${value}`);
  }
  return out;
}

/**
 * The app image's config from the base's: the platform, the creation time, the user, entrypoint and Cmd (the
 * base's Cmd is dropped: it was meant for the base's entrypoint), environment, ports, labels and workdir.
 */
export function appImageConfig(base: ImageConfig, app: AppConfig): ImageConfig {
  const runtime = { ...(base.config ?? {}) };
  delete runtime.Cmd;
  runtime.User = app.user;
  runtime.Entrypoint = app.entrypoint;
  if (app.args?.length) runtime.Cmd = app.args;
  if (app.workdir) runtime.WorkingDir = app.workdir;
  const env = mergeEnv(runtime.Env, app.env);
  if (env.length) runtime.Env = env;
  if (app.ports?.length) {
    runtime.ExposedPorts = { ...(runtime.ExposedPorts ?? {}) };
    for (const p of app.ports) runtime.ExposedPorts[p] = {};
  }
  if (app.labels && Object.keys(app.labels).length)
    runtime.Labels = { ...(runtime.Labels ?? {}), ...app.labels };
  const config: ImageConfig = {
    ...base,
    created: app.created,
    architecture: app.platform.architecture,
    os: app.platform.os,
    config: runtime,
  };
  if (app.platform.variant) config.variant = app.platform.variant;
  else delete config.variant;
  return config;
}
