import { chmod, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MinnowError } from '../errors.js';
import { formatPlatform, type Platform } from '../oci/platform.js';
import { cacheLayout } from '../util/cache-layout.js';
import { makeDirs } from '../util/make-dirs.js';
import { touch } from '../util/touch.js';
import { goEnvironment } from './platform-env.js';
import { runGo } from './run-go.js';

/** The Delve release `--debug` images carry; scripts/install-go-tools.sh pins the host's dlv to the same. */
export const DELVE_VERSION = 'v1.27.2';
export const DELVE_PACKAGE = 'github.com/go-delve/delve/cmd/dlv';

/** The architectures Delve's native Linux backend runs on (its README); anything else is refused up front. */
const DELVE_ARCHITECTURES = ['amd64', 'arm64', '386', 'ppc64le', 'riscv64', 'loong64'];

/** Refuses a platform Delve cannot debug, before anything is built. */
export function checkDelvePlatform(platform: Platform): void {
  if (platform.os === 'linux' && DELVE_ARCHITECTURES.includes(platform.architecture)) return;
  throw new MinnowError('INVALID_ARGUMENT', `--debug: Delve does not run on ${formatPlatform(platform)}`, {
    subject: formatPlatform(platform),
    hint: `Delve debugs linux/${DELVE_ARCHITECTURES.join(', linux/')}`,
  });
}

export interface DelveOptions {
  /** The go command. */
  go: string;
  platform: Platform;
  /** minnow's cache directory: dlv is kept under `tools/delve/<version>/<platform>/`. */
  cacheDir: string;
  /** The environment to start from (GOPROXY, GOMODCACHE, GOCACHE…). Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/**
 * The path of a static dlv for `platform`, built once per version and platform with `go install` through the
 * Go module proxy (the user's GOPROXY, GOMODCACHE and build cache) and kept in minnow's cache. `go install`
 * writes into a GOPATH of its own (cross-compiled binaries cannot go to a GOBIN), and the binary is renamed into
 * place, so parallel builds never see half a file.
 */
export async function delveBinary(options: DelveOptions): Promise<string> {
  checkDelvePlatform(options.platform);
  const dir = cacheLayout(options.cacheDir).delve(
    DELVE_VERSION,
    formatPlatform(options.platform).replaceAll('/', '-'),
  );
  const path = join(dir, 'dlv');
  if (
    await stat(path).then(
      (s) => s.isFile(),
      () => false,
    )
  ) {
    await touch(path); // used: the cache prunes the least recently used first
    return path;
  }
  await makeDirs(dir);
  const gopath = await mkdtemp(join(dir, '.gopath-'));
  try {
    const base = options.env ?? process.env;
    const modcache = await goEnvValue(options.go, 'GOMODCACHE', base, gopath);
    const env = goEnvironment({
      platform: options.platform,
      base: { ...base, GOPATH: gopath, GOMODCACHE: modcache, GOFLAGS: '-trimpath' },
    });
    delete env.GOBIN;
    const run = await runGo(options.go, ['install', '-ldflags=-s -w', `${DELVE_PACKAGE}@${DELVE_VERSION}`], {
      cwd: gopath,
      env,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (run.code !== 0) {
      throw new MinnowError(
        'GO_BUILD_FAILED',
        `go install ${DELVE_PACKAGE}@${DELVE_VERSION} (${formatPlatform(options.platform)}) failed: ${lastLine(run.stderr)}`,
        {
          subject: DELVE_PACKAGE,
          details: { output: run.stderr },
          hint: 'the Go module proxy (GOPROXY) must serve Delve once; later builds use the cached dlv',
        },
      );
    }
    // The host's platform lands in bin/, any other in bin/<goos>_<goarch>/.
    const cross = join(gopath, 'bin', `${env.GOOS}_${env.GOARCH}`, 'dlv');
    const built = (await stat(cross).then(
      () => true,
      () => false,
    ))
      ? cross
      : join(gopath, 'bin', 'dlv');
    // go install makes its GOPATH's module files read-only; the binary itself is all we keep.
    await chmod(built, 0o755);
    await rename(built, path);
    return path;
  } finally {
    await rm(gopath, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** One `go env` value, as the user's environment makes it (GOMODCACHE follows GOPATH unless set). */
async function goEnvValue(go: string, name: string, env: NodeJS.ProcessEnv, cwd: string): Promise<string> {
  if (env[name]) return env[name] as string;
  const run = await runGo(go, ['env', name], { cwd, env });
  const value = run.stdout.trim();
  if (run.code !== 0 || !value) {
    throw new MinnowError('GO_BUILD_FAILED', `go env ${name} failed: ${lastLine(run.stderr)}`, {
      subject: go,
    });
  }
  return value;
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).at(-1) ?? 'no output';
}
