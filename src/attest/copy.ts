import { MinnowError } from '../errors.js';
import { artifactTypeOf, type Artifact, type Digest } from '../oci/index.js';
import { mapLimit } from '../util/map-limit.js';
import { MAX_REFERRERS, type AttachmentSource } from './attachment-source.js';
import {
  mergedCosignImage,
  type AttachmentTarget,
  type CopiedTagAction,
  type ReferrerPlace,
} from './attachment-target.js';
import { cosignLayersOf, cosignTag, type CosignTagSuffix } from './cosign.js';

/** cosign's tags copied with an image: signatures, attestations and (cosign attach sbom's) SBOMs. */
const COSIGN_KINDS: readonly CosignTagSuffix[] = ['sig', 'att', 'sbom'];

/** Images (the image, its platform images, their referrers) looked at most: a bound against a hostile source. */
const MAX_SUBJECTS = MAX_REFERRERS;

/** Subjects worked on at once: each is a few small requests. */
const CONCURRENCY = 4;

/** What `copyAttachments` did. */
export interface CopyAttachmentsResult {
  referrers: { subject: Digest; digest: Digest; artifactType: string; place: ReferrerPlace }[];
  tags: { tag: string; action: CopiedTagAction }[];
}

export interface CopyAttachmentsOptions {
  signal?: AbortSignal;
}

/**
 * Copies what is attached to the images `subjects` (an image, or an index and its platform images) from `from`
 * to `to` (a registry repository or a layout: attachment-target.ts), which already holds them: every referrer
 * (and the referrers of those, as `oras cp -r` does) and cosign's tags. Signatures keep verifying: a copied
 * manifest is byte for byte the source's, so its digest and what was signed are unchanged. Where the destination
 * holds other signatures or attestations under the same tag, the source's layers are added to them (as `cosign
 * sign` appends), none removed. A second copy writes nothing.
 */
export async function copyAttachments(
  from: AttachmentSource,
  to: AttachmentTarget,
  subjects: readonly Digest[],
  options: CopyAttachmentsOptions = {},
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
        const { digest, place } = await to.referrer(artifact);
        result.referrers.push({
          subject,
          digest,
          artifactType: artifactTypeOf(await artifact.manifest()),
          place,
        });
        if (!seen.has(digest)) {
          seen.add(digest);
          next.push(digest);
        }
      }
      for (const kind of COSIGN_KINDS) {
        const tag = cosignTag(subject, kind);
        const artifact = await from.tagged(tag);
        if (artifact) result.tags.push({ tag, action: await copyTag(artifact, to, kind, tag) });
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
  to: AttachmentTarget,
  kind: CosignTagSuffix,
  tag: string,
): Promise<CopiedTagAction> {
  const there = await to.tagged(tag);
  if (!there) {
    await to.tag(tag, artifact);
    return 'copied';
  }
  if (there.digest === (await artifact.digest())) return 'present';
  if (kind === 'sbom') return 'kept';
  // What `cosign sign` on top of theirs would have made.
  const merged = mergedCosignImage(await there.layers(), await cosignLayersOf(artifact));
  if (!merged) return 'present';
  await to.tag(tag, merged);
  return 'merged';
}
