import { isIndex, parseIndexManifest, type Descriptor, type Digest } from '../oci/index.js';
import type { RegistryClient, Repo } from '../registry/client.js';
import { parseReference, referenceTarget, type Reference } from '../registry/reference.js';

/** An image reference resolved to its digest and, for an index, its platform images. */
export interface ResolvedTarget {
  ref: Reference;
  repo: Repo;
  digest: Digest;
  /** The platform images of an index (empty for a single image). */
  children: Descriptor[];
}

/** Resolves a reference's tag to its manifest digest (verified) and lists an index's platform images. */
export async function resolveTarget(
  client: RegistryClient,
  reference: string | Reference,
): Promise<ResolvedTarget> {
  const ref = typeof reference === 'string' ? parseReference(reference) : reference;
  const repo: Repo = { registry: ref.registry, repository: ref.repository };
  const got = await client.getManifest(repo, referenceTarget(ref));
  const mediaType = got.mediaType ?? '';
  const children = isIndex(mediaType)
    ? parseIndexManifest(got.raw).manifests.filter(
        (d) => d.artifactType === undefined && d.platform?.os !== 'unknown',
      )
    : [];
  return { ref, repo, digest: got.digest, children };
}
