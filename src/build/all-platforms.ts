import { MinnowError } from '../errors.js';
import { runGo } from '../go/run-go.js';
import { canonicalPlatform } from '../go/platform-env.js';
import { formatPlatform, type ImageOrIndex, type Platform } from '../oci/index.js';

/**
 * What `all` means on scratch and static: the Linux platforms that ko and distroless publish, which are the ones
 * people run (amd64, arm64, arm/v6, arm/v7, 386, ppc64le, s390x, riscv64). Go builds more Linux ports (mips*,
 * loong64, ppc64), but no common base image or cluster runs them; list those with --platform when wanted.
 */
export const STATIC_ALL_PLATFORMS: readonly Platform[] = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
  { os: 'linux', architecture: 'arm', variant: 'v6' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
  { os: 'linux', architecture: '386' },
  { os: 'linux', architecture: 'ppc64le' },
  { os: 'linux', architecture: 's390x' },
  { os: 'linux', architecture: 'riscv64' },
];

/** The GOARCH values this Go builds for Linux, from `go tool dist list -json`. */
export async function goLinuxArches(
  go: string,
  options: { dir: string; env: NodeJS.ProcessEnv; signal?: AbortSignal },
): Promise<Set<string>> {
  const run = await runGo(go, ['tool', 'dist', 'list', '-json'], {
    cwd: options.dir,
    env: options.env,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (run.code !== 0) {
    throw new MinnowError('GO_BUILD_FAILED', 'go tool dist list failed', {
      details: { output: run.stderr.trim() },
    });
  }
  const ports = JSON.parse(run.stdout) as { GOOS: string; GOARCH: string }[];
  return new Set(ports.filter((p) => p.GOOS === 'linux').map((p) => p.GOARCH));
}

/**
 * The platforms of a base that minnow can build for: every entry of an index that names a real Linux platform
 * (attestations and `unknown/unknown` entries are skipped, and so are other systems), or an image's own platform
 * from its config; each once, in the base's order.
 */
export async function basePlatforms(target: ImageOrIndex): Promise<Platform[]> {
  const found: Platform[] = [];
  if (target.kind === 'image') {
    const config = await target.image.configFile();
    found.push({
      os: config.os,
      architecture: config.architecture,
      ...(config.variant ? { variant: config.variant } : {}),
    });
  } else {
    for (const d of (await target.index.indexManifest()).manifests) {
      if (!d.platform || d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') continue;
      const { os, architecture, variant } = d.platform;
      found.push({ os, architecture, ...(variant ? { variant } : {}) });
    }
  }
  const seen = new Set<string>();
  return found
    .filter((p) => p.os === 'linux' && p.architecture !== 'unknown')
    .map(canonicalPlatform)
    .filter((p) => {
      const key = formatPlatform(p);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/**
 * `--platform all` made concrete: the base's platforms (a built-in base has none of its own: STATIC_ALL_PLATFORMS)
 * limited to what this Go builds for Linux. Throws PLATFORM_NOT_FOUND when nothing is left.
 */
export function allPlatforms(
  candidates: readonly Platform[],
  goArches: Set<string>,
  base: string,
): Platform[] {
  const platforms = candidates.filter((p) => goArches.has(p.architecture));
  if (platforms.length === 0) {
    throw new MinnowError('PLATFORM_NOT_FOUND', `base ${base} has no Linux platform Go can build for`, {
      subject: base,
      hint: 'name the platforms with --platform',
    });
  }
  return platforms;
}
