import { MinnowError } from '../errors.js';
import type { Platform } from '../oci/platform.js';

/** Variables minnow sets itself for every build; `--go-env` may not override them. */
export const RESERVED_GO_ENV = ['CGO_ENABLED', 'GOOS', 'GOARCH', 'GOARM', 'GOAMD64'] as const;

/**
 * The Go environment for a target platform: GOOS, GOARCH, and the variant as GOARM (arm/v5–v7, default v7) or
 * GOAMD64 (amd64/v1–v4). Throws INVALID_ARGUMENT for a variant Go cannot build.
 */
export function platformGoEnv(platform: Platform): Record<string, string> {
  const env: Record<string, string> = { GOOS: platform.os, GOARCH: platform.architecture };
  const v = platform.variant;
  if (platform.architecture === 'arm') {
    const level = v ? v.slice(1) : '7';
    if (!['5', '6', '7'].includes(level)) {
      throw new MinnowError('INVALID_ARGUMENT', `Go builds linux/arm for v5, v6 or v7, not ${v}`, {
        subject: v,
      });
    }
    env.GOARM = level;
  } else if (platform.architecture === 'amd64' && v) {
    if (!['v1', 'v2', 'v3', 'v4'].includes(v)) {
      throw new MinnowError('INVALID_ARGUMENT', `Go builds amd64 for v1 to v4, not ${v}`, { subject: v });
    }
    env.GOAMD64 = v;
  } else if (platform.architecture === 'arm64' && v && v !== 'v8') {
    throw new MinnowError('INVALID_ARGUMENT', `minnow builds arm64 as v8 only, not ${v}`, { subject: v });
  } else if (v && platform.architecture !== 'arm64') {
    throw new MinnowError('INVALID_ARGUMENT', `${platform.architecture} has no variant ${v}`, { subject: v });
  }
  return env;
}

/** The platform as it should be recorded in an index: arm always carries its variant (v7 when unsaid). */
export function canonicalPlatform(platform: Platform): Platform {
  if (platform.architecture === 'arm' && !platform.variant) return { ...platform, variant: 'v7' };
  return { ...platform };
}

export interface GoEnvOptions {
  platform: Platform;
  /** Extra variables from the user (`--go-env K=V`), e.g. GOEXPERIMENT, GOPRIVATE. */
  goEnv?: Record<string, string>;
  /** The environment to start from. Default: `process.env`. */
  base?: NodeJS.ProcessEnv;
}

/**
 * The environment `go list` and `go build` run with: the user's own (so GOCACHE, GOMODCACHE, GOPROXY, GOFLAGS
 * keep working and the build cache stays warm; minnow never points GOCACHE elsewhere), plus CGO_ENABLED=0 and
 * the platform. GOTOOLCHAIN defaults to `path` (the installed Go, or a newer one already on PATH) so a build never downloads a toolchain behind the user's back;
 * set GOTOOLCHAIN yourself to allow it.
 */
export function goEnvironment(options: GoEnvOptions): NodeJS.ProcessEnv {
  const base = options.base ?? process.env;
  for (const key of Object.keys(options.goEnv ?? {})) {
    if ((RESERVED_GO_ENV as readonly string[]).includes(key)) {
      throw new MinnowError(
        'INVALID_ARGUMENT',
        `${key} is set by minnow (static build for the target platform); use --platform instead`,
        { subject: key },
      );
    }
  }
  const env: NodeJS.ProcessEnv = { ...base, ...options.goEnv };
  for (const key of RESERVED_GO_ENV) delete env[key];
  // `path` = local+path: use the installed Go or a newer one already on PATH, never download one.
  if (!env.GOTOOLCHAIN) env.GOTOOLCHAIN = 'path';
  return { ...env, CGO_ENABLED: '0', ...platformGoEnv(options.platform) };
}
