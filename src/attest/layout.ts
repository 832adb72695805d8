import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  layoutBlobPath,
  parseIndexManifest,
  parseManifest,
  type Digest,
  type ImageOrIndex,
} from '../oci/index.js';
import { writeLayout } from '../publish/layout.js';
import { pruneDetached } from '../publish/layout-prune.js';
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
