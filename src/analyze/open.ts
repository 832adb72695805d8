import { stat } from 'node:fs/promises';
import { readDockerArchive } from '../base/docker-archive.js';
import type { RegistryReadOptions } from '../base/registry.js';
import { readLayout } from '../base/layout.js';
import { resolveBase } from '../base/resolve.js';
import { MinnowError } from '../errors.js';
import { hostPlatform, type Image, type ImageOrIndex, type Platform } from '../oci/index.js';

export interface OpenImageOptions {
  /** Platform to pick from an index. Default: the host's, else the only one, else linux/amd64. */
  platform?: Platform;
  /** Reads references that are not local files. Default: `resolveBase` (built-in bases, `daemon:`, registries). */
  resolve?: (spec: string) => Promise<ImageOrIndex>;
  /** Registry reads through the default resolver: insecure hosts, offline, per-blob `onProgress`. */
  registry?: RegistryReadOptions;
  signal?: AbortSignal;
}

async function kindOf(path: string): Promise<'file' | 'dir' | undefined> {
  const s = await stat(path).catch(() => undefined);
  return s?.isFile() ? 'file' : s?.isDirectory() ? 'dir' : undefined;
}

/** Splits `PATH[:REST]` where PATH must exist (paths may hold colons themselves). */
async function splitPath(spec: string): Promise<{ path: string; rest?: string }> {
  if (await kindOf(spec)) return { path: spec };
  for (let i = spec.lastIndexOf(':'); i > 0; i = spec.lastIndexOf(':', i - 1)) {
    if (await kindOf(spec.slice(0, i))) return { path: spec.slice(0, i), rest: spec.slice(i + 1) };
  }
  const at = spec.lastIndexOf('@');
  if (at > 0 && (await kindOf(spec.slice(0, at)))) return { path: spec.slice(0, at), rest: spec.slice(at) };
  throw new MinnowError('NOT_FOUND', `${spec} does not exist`, { subject: spec });
}

const samePlatform = (a: Platform, b: Platform): boolean =>
  a.os === b.os && a.architecture === b.architecture && (a.variant ?? '') === (b.variant ?? '');

/** The image of `target` for `platform` (an image is returned as is). */
export async function pickImage(target: ImageOrIndex, platform?: Platform): Promise<Image> {
  if (target.kind === 'image') return target.image;
  const index = await target.index.indexManifest();
  const candidates = index.manifests.filter((d) => d.platform && d.platform.os !== 'unknown');
  const want = platform ?? hostPlatform();
  const chosen =
    candidates.find((d) => d.platform && samePlatform(d.platform, want)) ??
    candidates.find(
      (d) => d.platform && d.platform.os === want.os && d.platform.architecture === want.architecture,
    ) ??
    (platform ? undefined : candidates.length === 1 ? candidates[0] : undefined);
  if (!chosen) {
    const have = candidates.map(
      (d) =>
        `${d.platform?.os}/${d.platform?.architecture}${d.platform?.variant ? `/${d.platform.variant}` : ''}`,
    );
    throw new MinnowError('PLATFORM_NOT_FOUND', `no image for ${want.os}/${want.architecture} in the index`, {
      hint: `platforms present: ${have.join(', ') || 'none'}`,
    });
  }
  return target.index.image(chosen);
}

/**
 * Opens an image from any source minnow reads: `oci:DIR[:TAG]`, `docker-archive:FILE[:NAME:TAG]`, a plain
 * `docker save` tarball (legacy or Docker 25+ OCI form) or OCI layout directory given by path, and through
 * `options.resolve` everything else (registry references, built-in bases, `daemon:NAME`).
 */
export async function openImage(spec: string, options: OpenImageOptions = {}): Promise<Image> {
  let target: ImageOrIndex;
  if (spec.startsWith('oci:')) {
    const { path, rest } = await splitPath(spec.slice(4));
    target = await readLayout(path, rest ? { tag: rest.replace(/^@/, '') } : {});
  } else if (spec.startsWith('docker-archive:')) {
    const { path, rest } = await splitPath(spec.slice('docker-archive:'.length));
    target = await readDockerArchive(path, rest ? { ref: rest } : {});
  } else if ((await kindOf(spec)) === 'file') {
    target = await readDockerArchive(spec);
  } else if ((await kindOf(spec)) === 'dir') {
    target = await readLayout(spec);
  } else if (options.resolve) {
    target = await options.resolve(spec);
  } else {
    target = await resolveBase(spec, {
      ...(options.platform ? { platforms: [options.platform] } : {}),
      ...(options.registry ? { registry: options.registry } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }
  return pickImage(target, options.platform);
}
