import { splitNameTag } from '../oci/name-tag.js';
import { artifactFromParts, verifyBytes, type Artifact, type Digest } from '../oci/index.js';
import { writeLayout } from '../publish/layout.js';
import { attachReferrer } from '../publish/referrers.js';
import { pushImage } from '../publish/registry.js';
import type { RegistryClient, Repo } from '../registry/client.js';
import { parseReference } from '../registry/reference.js';
import { layoutAttachments } from './attachment-source.js';
import { cosignImage, cosignLayersOf, type CosignLayer } from './cosign.js';

/** How a referrer was made findable: the registry's referrers API, its tag schema, or a layout's index.json. */
export type ReferrerPlace = 'referrers-api' | 'tag-schema' | 'layout';

/** What one copied cosign tag became at the destination. */
export type CopiedTagAction =
  /** The destination had no such tag: the source's manifest, as it is. */
  | 'copied'
  /** The destination had it already, the same. */
  | 'present'
  /** The destination had other signatures or attestations: both kept, in one manifest. */
  | 'merged'
  /** The destination had another SBOM image: kept (cosign's `.sbom` holds one). */
  | 'kept';

/** Where attachments are copied to (copy.ts), the image itself being there already. */
export interface AttachmentTarget {
  readonly description: string;
  /** Writes `artifact` (whose manifest has a `subject`) as a referrer; nothing when it is there already. */
  referrer(artifact: Artifact): Promise<{ digest: Digest; place: ReferrerPlace }>;
  /** The manifest under `tag` there, if any: its digest and its layers (read only when asked). */
  tagged(tag: string): Promise<{ digest: Digest; layers: () => Promise<CosignLayer[]> } | undefined>;
  /** Writes `artifact` under `tag` (replacing what is there). */
  tag(tag: string, artifact: Artifact): Promise<void>;
}

/** A registry repository: referrers through attachReferrer, cosign tags pushed as tags. */
export function registryTarget(client: RegistryClient, repo: Repo): AttachmentTarget {
  return {
    description: `${repo.registry}/${repo.repository}`,
    async referrer(artifact) {
      const attached = await attachReferrer(repo, artifact, { client });
      return { digest: attached.descriptor.digest, place: attached.mode };
    },
    async tagged(tag) {
      const there = await client.headManifest(repo, tag);
      if (!there) return undefined;
      const layers = async (): Promise<CosignLayer[]> => {
        const got = await client.getManifest(repo, there.digest);
        verifyBytes(got.raw, there.digest, undefined, `manifest ${tag}`);
        return cosignLayersOf(
          artifactFromParts({ rawManifest: got.raw, blob: (d) => client.openBlob(repo, d) }),
        );
      };
      return { digest: there.digest, layers };
    },
    async tag(tag, artifact) {
      await pushImage({ ...repo, tag }, { kind: 'artifact', artifact }, { client });
    },
  };
}

/** An OCI layout: referrers and cosign's tags as index.json entries (those under their tag name). */
export function layoutTarget(dir: string): AttachmentTarget {
  return {
    description: dir,
    async referrer(artifact) {
      const written = await writeLayout(dir, { kind: 'artifact', artifact });
      return { digest: written.digest, place: 'layout' };
    },
    async tagged(tag) {
      // Read afresh: an earlier write of this copy may have changed index.json.
      const there = await layoutAttachments(dir).tagged(tag);
      if (!there) return undefined;
      return { digest: await there.digest(), layers: () => cosignLayersOf(there) };
    },
    async tag(tag, artifact) {
      await writeLayout(dir, { kind: 'artifact', artifact }, { tag });
    },
  };
}

/** Merges `ours` into the cosign tag image `theirs` holds: theirs first, then the layers they lack. */
export function mergedCosignImage(theirs: CosignLayer[], ours: CosignLayer[]): Artifact | undefined {
  const have = new Set(theirs.map((l) => l.descriptor.digest));
  const added = ours.filter((l) => !have.has(l.descriptor.digest));
  return added.length ? cosignImage([...theirs, ...added]) : undefined;
}

/**
 * Where a push's destination keeps attachments: a registry repository or an OCI layout (the sink kinds that can
 * hold them); undefined for the others (a docker archive, the Engine, containerd).
 */
export function attachmentTargetOf(
  destination: string,
  sinkKind: string,
  client: RegistryClient,
): AttachmentTarget | undefined {
  if (sinkKind === 'registry') {
    const ref = parseReference(destination);
    return registryTarget(client, { registry: ref.registry, repository: ref.repository });
  }
  if (sinkKind === 'oci') return layoutTarget(splitNameTag(destination.slice('oci:'.length)).name);
  return undefined;
}
