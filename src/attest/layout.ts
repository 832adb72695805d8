import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  isIndex,
  layoutBlobPath,
  parseIndexManifest,
  parseManifest,
  REF_NAME_ANNOTATION,
  type Digest,
  type ImageOrIndex,
} from '../oci/index.js';
import { removeFromLayout, writeLayout } from '../publish/layout.js';
import { ATTACHMENT_ANNOTATION } from './kinds.js';
import { layoutTarget } from './attachment-target.js';
import { cosignImage, cosignTag } from './cosign.js';
import { signAttested, type CosignTags, type CosignWrite } from './sign.js';
import type { Signer } from './signer.js';
import { attestationsFor, type AttestationSettings } from './statements.js';

/** What `attachToLayout` did. */
export interface LayoutAttachReport {
  referrers: { subject: Digest; kind: string; digest: Digest }[];
  /** With a signer: the cosign `.sig` / `.att` entries written or found up to date. */
  signatures: (CosignWrite & { subject: Digest })[];
}

/** Options of `attachToLayout`. */
export interface LayoutAttachOptions extends AttestationSettings {
  /** Signs the image(s) and their attestations: cosign's tags as tagged entries of index.json. */
  signer?: Signer;
}

/** cosign's tags in a layout: entries of index.json under `sha256-<hex>.sig` / `.att` (as `cosign save` keeps them). */
export function layoutTags(dir: string): CosignTags {
  const target = layoutTarget(dir);
  return {
    read: async (digest, kind) => (await (await target.tagged(cosignTag(digest, kind)))?.layers()) ?? [],
    write: async (tag, layers) => {
      await target.tag(tag, cosignImage(layers));
      return 0;
    },
  };
}

/** minnow's earlier referrers of `subject` in a layout, by kind, read from their manifests. */
async function ownReferrers(dir: string, subject: Digest): Promise<Map<string, Set<Digest>>> {
  const byKind = new Map<string, Set<Digest>>();
  const index = parseIndexManifest(await readFile(join(dir, 'index.json')));
  for (const d of index.manifests) {
    const kind = d.annotations?.[ATTACHMENT_ANNOTATION];
    if (!kind) continue;
    const m = parseManifest(await readFile(layoutBlobPath(dir, d.digest)).catch(() => Buffer.from('{}')));
    if (m.subject?.digest !== subject) continue;
    byKind.set(kind, (byKind.get(kind) ?? new Set()).add(d.digest));
  }
  return byKind;
}

/** `sha256-<hex>.sig` (`.att`, `.sbom`): the digest cosign's tag names. */
const COSIGN_TAG = /^(sha256)-([0-9a-f]{64})\.(?:sig|att|sbom)$/;

/**
 * Removes the attachments (referrers, cosign's tagged entries) of images the layout no longer holds: a rebuild
 * under the same tag replaced the image, and its old signatures and statements would otherwise pile up. An image is
 * held when an entry names it that is not an attachment, or it is a platform image of one, or it is itself an
 * attachment of a held image (a signature of an SBOM).
 */
async function pruneDetached(dir: string): Promise<void> {
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
    if (!raw) continue;
    if (isIndex(d.mediaType)) {
      held.add(d.digest);
      for (const child of parseIndexManifest(raw).manifests) held.add(child.digest);
      continue;
    }
    const subject = parseManifest(raw).subject?.digest;
    if (subject) subjectOf.set(d.digest, subject);
    else held.add(d.digest);
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
  const stale = [...subjectOf.keys()].filter((d) => !held.has(d));
  if (stale.length) await removeFromLayout(dir, (d) => stale.includes(d.digest));
}

/**
 * Attaches the SBOM and provenance of every platform image of `target` to the OCI layout it was written to:
 * the layout's index.json lists each as a referrer (with its artifactType), replacing minnow's earlier entry of
 * the same kind for the same image; with a signer, cosign's signatures and signed attestations too, as tagged
 * entries (`minnow push` copies all of it to a registry). `name` is how statements and SBOMs name the image.
 */
export async function attachToLayout(
  dir: string,
  name: string,
  target: ImageOrIndex,
  settings: LayoutAttachOptions = {},
): Promise<LayoutAttachReport> {
  const report: LayoutAttachReport = { referrers: [], signatures: [] };
  await pruneDetached(dir);
  const platforms = await attestationsFor(name, target, settings);
  for (const p of platforms) {
    const own = await ownReferrers(dir, p.descriptor.digest).catch(() => new Map<string, Set<Digest>>());
    for (const a of p.attestations) {
      const old = own.get(a.kind.name) ?? new Set<Digest>();
      const res = await writeLayout(
        dir,
        { kind: 'artifact', artifact: a.artifact },
        { replaces: (d) => old.has(d.digest) },
      );
      report.referrers.push({ subject: p.descriptor.digest, kind: a.kind.name, digest: res.digest });
    }
  }
  // After the referrers: each write of index.json takes its lock in turn.
  if (settings.signer) {
    report.signatures = await signAttested(
      layoutTags(dir),
      name,
      target,
      Promise.resolve(platforms),
      settings.signer,
    );
  }
  return report;
}
