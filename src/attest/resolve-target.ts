import { createReadStream } from 'node:fs';
import { readLayout, readSmall } from '../base/layout.js';
import { layoutOfSpec } from '../base/sources/oci-layout.js';
import {
  artifactFromParts,
  isIndex,
  layoutBlobPath,
  parseIndexManifest,
  verifyBytes,
  type Artifact,
  type Descriptor,
  type Digest,
} from '../oci/index.js';
import { listReferrers } from '../publish/referrers.js';
import type { RegistryClient, Repo } from '../registry/client.js';
import { parseReference, referenceTarget, type Reference } from '../registry/reference.js';
import { layoutEntries, referrerEntries } from './attachment-source.js';
import type { ReferrerPlace } from './attachment-target.js';
import { layoutTags } from './layout.js';
import { registryTags, type CosignTags } from './sign.js';

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
  const children = isIndex(mediaType) ? parseIndexManifest(got.raw).manifests.filter(isPlatformImage) : [];
  return { ref, repo, digest: got.digest, children };
}

/** Platform images of an index as minnow lists them: not attestation manifests (os "unknown") nor artifacts. */
const isPlatformImage = (d: Descriptor): boolean =>
  d.artifactType === undefined && d.platform?.os !== 'unknown';

/** An image with what is attached to it, wherever it is kept: a registry repository or an OCI layout. */
export interface AttachedTarget {
  /** `registry/repository@sha256:…` or `oci:DIR@sha256:…`. */
  reference: string;
  digest: Digest;
  /** The platform images of an index (empty for a single image). */
  children: Descriptor[];
  /** cosign's tags (`.sig`, `.att`) of its images. */
  tags: CosignTags;
  /** The referrers of one of its images, and where they are listed. */
  referrers(subject: Digest): Promise<{ place: ReferrerPlace; referrers: Descriptor[] }>;
  /** A manifest kept there (a referrer), checked against its digest, with its blobs (verified as read). */
  artifact(descriptor: Descriptor): Promise<Artifact>;
}

/**
 * A registry reference (its tag resolved to the verified digest), or `oci:DIR[:TAG]`: a layout, whose index.json
 * lists the referrers and cosign's tags `build --sign-key` wrote there.
 */
export async function resolveAttached(
  client: RegistryClient,
  reference: string | Reference,
): Promise<AttachedTarget> {
  if (typeof reference === 'string' && reference.startsWith('oci:')) return layoutAttached(reference);
  const t = await resolveTarget(client, reference);
  return {
    reference: `${t.repo.registry}/${t.repo.repository}@${t.digest}`,
    digest: t.digest,
    children: t.children,
    tags: registryTags(client, t.repo),
    referrers: async (subject) => {
      const { mode, referrers } = await listReferrers(client, t.repo, subject);
      return { place: mode, referrers };
    },
    artifact: async (d) => {
      const got = await client.getManifest(t.repo, d.digest);
      verifyBytes(got.raw, d.digest, undefined, `manifest ${d.digest}`);
      return artifactFromParts({ rawManifest: got.raw, blob: (b) => client.openBlob(t.repo, b) });
    },
  };
}

async function layoutAttached(spec: string): Promise<AttachedTarget> {
  const { dir, tag } = await layoutOfSpec(spec);
  const image = await readLayout(dir, tag ? { tag } : {});
  const digest = image.kind === 'image' ? await image.image.digest() : await image.index.digest();
  const children =
    image.kind === 'index' ? (await image.index.indexManifest()).manifests.filter(isPlatformImage) : [];
  return {
    reference: `oci:${dir}@${digest}`,
    digest,
    children,
    tags: layoutTags(dir),
    referrers: async (subject) => {
      const referrers = referrerEntries(await layoutEntries(dir), subject).map((e) => e.descriptor);
      return { place: 'layout', referrers };
    },
    artifact: async (d) => {
      const raw = await readSmall(layoutBlobPath(dir, d.digest), `manifest ${d.digest}`);
      verifyBytes(raw, d.digest, undefined, `manifest ${d.digest}`);
      return artifactFromParts({
        rawManifest: raw,
        blob: async (b) => createReadStream(layoutBlobPath(dir, b.digest)),
      });
    },
  };
}
