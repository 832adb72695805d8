import { analysisPool } from './analysis-pool.js';
import type { RegistryReadOptions } from '../base/registry.js';
import { resolveBase } from '../base/resolve.js';
import { hostPlatform, selectPlatform, type Image, type Platform } from '../oci/index.js';

export interface OpenImageOptions {
  /**
   * Platform to pick; one that is not there is PLATFORM_NOT_FOUND, also for a single image whose config names
   * another. Default: the host's from an index, else its only platform; a single image as it is.
   */
  platform?: Platform;
  /** Registry reads: insecure hosts, offline, per-blob `onProgress`. */
  registry?: RegistryReadOptions;
  /** `daemon:` reads: bytes of the Engine's `docker save` received so far, and the size the Engine states. */
  onEngineRead?: (received: number, expected: number | undefined) => void;
  signal?: AbortSignal;
}

/**
 * Opens one image from any source in BASE_SOURCES (`oci:DIR[:TAG]`, `docker-archive:FILE[:NAME:TAG]`,
 * `daemon:NAME[:TAG]`, a docker save tarball or OCI layout by path, a registry reference, a built-in base) and
 * picks its platform with `selectPlatform`, as `build --base` does.
 */
export async function openImage(spec: string, options: OpenImageOptions = {}): Promise<Image> {
  // An image is opened to be analysed: the worker that hashes and attributes starts up while it is opened.
  analysisPool()?.warm();
  const target = await resolveBase(spec, {
    ...(options.platform ? { platforms: [options.platform] } : {}),
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.onEngineRead ? { onEngineRead: options.onEngineRead } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return selectPlatform(target, options.platform ?? hostPlatform(), {
    strict: options.platform !== undefined,
    subject: spec,
  });
}
