import { MinnowError } from '../errors.js';
import {
  artifactTypeOf,
  readArtifactBlob,
  type Artifact,
  type Descriptor,
  type Digest,
} from '../oci/index.js';
import { attachReferrer, type ReferrersMode } from '../publish/referrers.js';
import { pushImage } from '../publish/registry.js';
import type { RegistryClient, Repo } from '../registry/client.js';
import { mapLimit } from '../util/map-limit.js';
import type { AttachmentSource } from './attachment-source.js';
import { cosignImage, cosignTag, readCosignLayers, type CosignTagSuffix } from './cosign.js';

/** cosign's tags copied with an image: signatures, attestations and (cosign attach sbom's) SBOMs. */
const COSIGN_KINDS: readonly CosignTagSuffix[] = ['sig', 'att', 'sbom'];

/** Images (the image, its platform images, their referrers) looked at most: a bound against a hostile source. */
const MAX_SUBJECTS = 256;

/** Subjects worked on at once: each is a few small requests. */
const CONCURRENCY = 4;

/** What one copied tag became at the destination. */
export type CopiedTagAction =
  /** The destination had no such tag: the source's manifest, as it is. */
  | 'copied'
  /** The destination had it already, the same. */
  | 'present'
  /** The destination had other signatures or attestations: both kept, in one manifest. */
  | 'merged'
  /** The destination had another SBOM image: kept (cosign's `.sbom` holds one). */
  | 'kept';

/** What `copyAttachments` did. */
export interface CopyAttachmentsResult {
  referrers: {
    subject: Digest;
    digest: Digest;
    artifactType: string;
    mode: ReferrersMode;
    uploaded: number;
  }[];
  tags: { tag: string; action: CopiedTagAction }[];
}

export interface CopyAttachmentsOptions {
  client: RegistryClient;
  signal?: AbortSignal;
}

/**
 * Copies what is attached to the images `subjects` (an image, or an index and its platform images) from `from`
 * to the repository `to`, which already holds them: every referrer (and the referrers of those, as `oras cp -r`
 * does) through attachReferrer (the referrers API or the tag schema, whatever the destination has), and cosign's
 * tags. Signatures keep verifying: a copied manifest is byte for byte the source's, so its digest and what was
 * signed are unchanged. Where the destination holds other signatures or attestations under the same tag, the
 * source's layers are added to them (as `cosign sign` appends), none removed. A second copy writes nothing.
 */
export async function copyAttachments(
  from: AttachmentSource,
  to: Repo,
  subjects: readonly Digest[],
  options: CopyAttachmentsOptions,
): Promise<CopyAttachmentsResult> {
  const result: CopyAttachmentsResult = { referrers: [], tags: [] };
  const seen = new Set<Digest>(subjects);
  let round = [...seen];
  while (round.length) {
    const next: Digest[] = [];
    await mapLimit(round, CONCURRENCY, async (subject) => {
      options.signal?.throwIfAborted();
      // One subject's referrers one after the other: on a tag-schema registry each rewrites the same index.
      for (const artifact of await from.referrers(subject)) {
        if (seen.size >= MAX_SUBJECTS) {
          throw new MinnowError(
            'LIMIT_EXCEEDED',
            `${from.description} has more than ${MAX_SUBJECTS} images attached to each other; copied the first ones`,
            { subject: from.description },
          );
        }
        const attached = await attachReferrer(to, artifact, { client: options.client });
        const digest = attached.descriptor.digest;
        result.referrers.push({
          subject,
          digest,
          artifactType: artifactTypeOf(await artifact.manifest()),
          mode: attached.mode,
          uploaded: attached.uploaded,
        });
        if (!seen.has(digest)) {
          seen.add(digest);
          next.push(digest);
        }
      }
      for (const kind of COSIGN_KINDS) {
        const tag = cosignTag(subject, kind);
        const artifact = await from.tagged(tag);
        if (artifact)
          result.tags.push({ tag, action: await copyTag(artifact, to, subject, kind, tag, options) });
      }
    });
    round = next;
  }
  // In a stable order, whatever order the requests answered in.
  result.referrers.sort((a, b) => a.subject.localeCompare(b.subject) || a.digest.localeCompare(b.digest));
  result.tags.sort((a, b) => a.tag.localeCompare(b.tag));
  return result;
}

async function copyTag(
  artifact: Artifact,
  to: Repo,
  subject: Digest,
  kind: CosignTagSuffix,
  tag: string,
  options: CopyAttachmentsOptions,
): Promise<CopiedTagAction> {
  const { client } = options;
  const there = await client.headManifest(to, tag);
  if (!there) {
    await pushImage({ ...to, tag }, { kind: 'artifact', artifact }, { client });
    return 'copied';
  }
  if (there.digest === (await artifact.digest())) return 'present';
  if (kind === 'sbom') return 'kept';
  // Theirs first, then the source's layers they lack: what `cosign sign` on top of theirs would have made.
  const theirs = await readCosignLayers(client, to, subject, kind);
  const have = new Set(theirs.map((l) => l.descriptor.digest));
  const ours = await readLayersOf(artifact);
  const added = ours.filter((l) => !have.has(l.descriptor.digest));
  if (added.length === 0) return 'present';
  await pushImage(
    { ...to, tag },
    { kind: 'artifact', artifact: cosignImage([...theirs, ...added]) },
    { client },
  );
  return 'merged';
}

/** The layers of a cosign tag image with their (small, verified) bytes. */
async function readLayersOf(artifact: Artifact): Promise<{ descriptor: Descriptor; data: Buffer }[]> {
  const [, ...layers] = await artifact.blobs();
  const out: { descriptor: Descriptor; data: Buffer }[] = [];
  for (const l of layers) out.push({ descriptor: l.descriptor, data: await readArtifactBlob(l) });
  return out;
}
