import { MinnowError } from '../errors.js';

/**
 * Every wait on a registry has a bound. Each one can be set per client (options) or for every run by an
 * environment variable in seconds (rates in KiB/s); docs/security.md lists them.
 */
export interface RegistryTimeouts {
  /** TCP connect plus TLS handshake, ms. `MINNOW_REGISTRY_CONNECT_TIMEOUT`, default 10 s. */
  connectMs: number;
  /** Request sent → first byte of the response headers, ms. `MINNOW_REGISTRY_RESPONSE_TIMEOUT`, default 15 s. */
  firstByteMs: number;
  /** Longest pause between two chunks of a body, ms. `MINNOW_REGISTRY_IDLE_TIMEOUT`, default 30 s. */
  idleMs: number;
  /**
   * A request's attempts stop being retried once this much time has passed since the first, ms
   * (`MINNOW_REGISTRY_RETRY_BUDGET`, default 30 s), so a registry that accepts connections and never answers
   * fails within about 30 s instead of minutes.
   */
  retryBudgetMs: number;
  /**
   * Slowest acceptable download rate, bytes/s (`MINNOW_REGISTRY_MIN_RATE` in KiB/s, default 16): a blob must
   * arrive within `idleMs + size / minRate`, so a trickle is cut off.
   */
  minBytesPerSecond: number;
}

export const DEFAULT_TIMEOUTS: RegistryTimeouts = {
  connectMs: 10_000,
  firstByteMs: 15_000,
  idleMs: 30_000,
  retryBudgetMs: 30_000,
  minBytesPerSecond: 16 * 1024,
};

const ENV: Record<keyof RegistryTimeouts, [name: string, unit: number]> = {
  connectMs: ['MINNOW_REGISTRY_CONNECT_TIMEOUT', 1000],
  firstByteMs: ['MINNOW_REGISTRY_RESPONSE_TIMEOUT', 1000],
  idleMs: ['MINNOW_REGISTRY_IDLE_TIMEOUT', 1000],
  retryBudgetMs: ['MINNOW_REGISTRY_RETRY_BUDGET', 1000],
  minBytesPerSecond: ['MINNOW_REGISTRY_MIN_RATE', 1024],
};

/** The timeouts in force: `options` first, then the environment, then the defaults. Bad values fail (exit 2). */
export function registryTimeouts(
  options: Partial<RegistryTimeouts> = {},
  env: NodeJS.ProcessEnv = process.env,
): RegistryTimeouts {
  const out = { ...DEFAULT_TIMEOUTS };
  for (const key of Object.keys(ENV) as (keyof RegistryTimeouts)[]) {
    const given = options[key];
    if (given !== undefined) {
      out[key] = given;
      continue;
    }
    const [name, unit] = ENV[key];
    const raw = env[name]?.trim();
    if (!raw) continue;
    if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) <= 0) {
      throw new MinnowError('INVALID_ARGUMENT', `${name}=${JSON.stringify(raw)} is not a positive number`, {
        subject: name,
        hint: unit === 1024 ? 'give KiB per second, e.g. 16' : 'give seconds, e.g. 30',
      });
    }
    out[key] = Math.round(Number(raw) * unit);
  }
  return out;
}

/** How long a blob of `size` bytes may take to arrive in full. */
export function blobDeadlineMs(size: number, t: RegistryTimeouts): number {
  return t.idleMs + Math.ceil((Math.max(0, size) / t.minBytesPerSecond) * 1000);
}
