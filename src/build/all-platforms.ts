import { isBuiltinBase } from '../base/builtin-names.js';
import type { RegistryReadOptions } from '../base/registry.js';
import { MinnowError } from '../errors.js';
import { canonicalPlatform, platformGoEnv } from '../go/platform-env.js';
import { formatPlatform, GO_ARCHES, type Platform } from '../oci/index.js';

/**
 * What `--platform all` means on the built-in bases (static, scratch), which can be made for any platform: the
 * Linux ports Go builds static binaries for that images are commonly published for.
 */
export const GO_LINUX_PLATFORMS: readonly Platform[] = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
  { os: 'linux', architecture: 'arm', variant: 'v6' },
  { os: 'linux', architecture: '386' },
  { os: 'linux', architecture: 'ppc64le' },
  { os: 'linux', architecture: 's390x' },
  { os: 'linux', architecture: 'riscv64' },
];

export interface AllPlatformsOptions {
  cacheDir?: string;
  registry?: RegistryReadOptions;
  signal?: AbortSignal;
}

/**
 * The platforms `all` stands for with `base`: every Linux platform of the base image that Go can build for
 * (attestation entries and other operating systems left out), or GO_LINUX_PLATFORMS for the built-in bases.
 */
export async function allPlatforms(base: string, options: AllPlatformsOptions = {}): Promise<Platform[]> {
  if (isBuiltinBase(base)) return GO_LINUX_PLATFORMS.map((p) => ({ ...p }));
  // Loaded only when needed: reading a base may need the registry client.
  const { resolveBase } = await import('../base/resolve.js');
  const target = await resolveBase(base, {
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  let candidates: Platform[];
  if (target.kind === 'image') {
    const c = await target.image.configFile();
    candidates = [{ os: c.os, architecture: c.architecture, ...(c.variant ? { variant: c.variant } : {}) }];
  } else {
    const im = await target.index.indexManifest();
    candidates = im.manifests.flatMap((d) => (d.platform ? [d.platform] : []));
  }
  const seen = new Set<string>();
  const out: Platform[] = [];
  for (const p of candidates) {
    if (p.os !== 'linux') continue;
    // Go builds every architecture it knows for Linux except wasm (which is js/wasip1 only).
    if (!GO_ARCHES.has(p.architecture) || p.architecture === 'wasm') continue;
    const simple: Platform = {
      os: p.os,
      architecture: p.architecture,
      ...(p.variant ? { variant: p.variant } : {}),
    };
    try {
      platformGoEnv(simple);
    } catch {
      continue; // a platform Go cannot build (for example arm/v8)
    }
    const canonical = canonicalPlatform(
      simple.architecture === 'arm64' ? { os: 'linux', architecture: 'arm64' } : simple,
    );
    const key = formatPlatform(canonical);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(canonical);
    }
  }
  if (out.length === 0) {
    throw new MinnowError('PLATFORM_NOT_FOUND', `the base ${base} has no Linux platform Go can build for`, {
      subject: base,
    });
  }
  return out;
}
