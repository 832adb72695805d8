import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  isIndex,
  layoutBlobPath,
  parseIndexManifest,
  parseManifest,
  REF_NAME_ANNOTATION,
  sniffManifestMediaType,
  type Digest,
} from '../oci/index.js';
import { removeFromLayout } from './layout.js';

/** `sha256-<hex>.sig` (`.att`, `.sbom`): cosign's tag of what is attached to the image of that digest. */
const COSIGN_TAG = /^(sha256)-([0-9a-f]{64})\.(?:sig|att|sbom)$/;

/**
 * Removes the attachments (referrers, cosign's tagged entries) of images the layout no longer holds: a rebuild
 * under the same tag replaced the image, and its old signatures and statements would otherwise pile up (their
 * blobs go at the next `gcLayout`). An image is held when an entry names it that is not an attachment, or it is
 * a platform image of one, or it is itself an attachment of a held image (a signature of an SBOM).
 *
 * With `only`, just the attachments that lead (directly, through a platform image, or through other attachments)
 * to those images, the ones a write replaced: a referrer put in the layout for an image kept elsewhere stays.
 * Returns how many entries were removed.
 */
export async function pruneDetached(dir: string, only?: readonly Digest[]): Promise<number> {
  const index = parseIndexManifest(await readFile(join(dir, 'index.json')));
  const subjectOf = new Map<Digest, Digest>();
  const held = new Set<Digest>();
  for (const d of index.manifests) {
    const tagged = COSIGN_TAG.exec(d.annotations?.[REF_NAME_ANNOTATION] ?? '');
    if (tagged) {
      subjectOf.set(d.digest, `${tagged[1]}:${tagged[2]}` as Digest);
      continue;
    }
    const raw = await readFile(layoutBlobPath(dir, d.digest)).catch(() => undefined);
    try {
      if (!raw) throw new Error('missing');
      if (isIndex(d.mediaType)) {
        for (const child of parseIndexManifest(raw).manifests) held.add(child.digest);
        held.add(d.digest);
        continue;
      }
      const subject = parseManifest(raw).subject?.digest;
      if (subject) subjectOf.set(d.digest, subject);
      else held.add(d.digest);
    } catch {
      // What cannot be read is never taken for an attachment, so never removed.
      held.add(d.digest);
    }
  }
  // Attachments of attachments: held once what they are attached to is.
  for (let grew = true; grew;) {
    grew = false;
    for (const [digest, subject] of subjectOf) {
      if (held.has(subject) && !held.has(digest)) {
        held.add(digest);
        grew = true;
      }
    }
  }
  let stale = [...subjectOf.keys()].filter((d) => !held.has(d));
  if (only) {
    const gone = await withPlatformImages(dir, only);
    stale = stale.filter((d) => gone.has(rootOf(d, subjectOf)));
  }
  if (!stale.length) return 0;
  const drop = new Set(stale);
  return removeFromLayout(dir, (d) => drop.has(d.digest));
}

/** What an attachment is attached to in the end: its subject's subject, and so on (a cycle ends the walk). */
function rootOf(digest: Digest, subjectOf: ReadonlyMap<Digest, Digest>): Digest {
  const seen = new Set<Digest>();
  let at = digest;
  for (let next = subjectOf.get(at); next !== undefined && !seen.has(next); next = subjectOf.get(at)) {
    seen.add(at);
    at = next;
  }
  return at;
}

/** `images` and, for each that is an index whose manifest is still in the layout, its platform images. */
async function withPlatformImages(dir: string, images: readonly Digest[]): Promise<Set<Digest>> {
  const all = new Set<Digest>(images);
  for (const digest of images) {
    const raw = await readFile(layoutBlobPath(dir, digest)).catch(() => undefined);
    if (!raw) continue;
    try {
      if (isIndex(sniffManifestMediaType(raw))) {
        for (const m of parseIndexManifest(raw).manifests) all.add(m.digest);
      }
    } catch {
      // Not a manifest we can read: its own attachments are all we prune.
    }
  }
  return all;
}
