import type { Digest } from '../oci/index.js';
import type { Repo } from './client.js';

const origins = new Map<Digest, Repo[]>();

/**
 * Remembers that a blob was pulled from `repo`, so a later push to another repository of the same registry can
 * mount it instead of uploading it (cross-repository mount).
 */
export function rememberBlobOrigin(digest: Digest, repo: Repo): void {
  const list = origins.get(digest) ?? [];
  if (!list.some((r) => r.registry === repo.registry && r.repository === repo.repository)) {
    list.push({ registry: repo.registry, repository: repo.repository });
    origins.set(digest, list);
  }
}

/** A repository of `registry` other than `exclude` that is known to hold the blob. */
export function blobOriginOn(digest: Digest, registry: string, exclude: string): string | undefined {
  return origins.get(digest)?.find((r) => r.registry === registry && r.repository !== exclude)?.repository;
}
