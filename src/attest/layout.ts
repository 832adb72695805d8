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
import { ATTACHMENT_ANNOTATION } from './kinds.js';
import { attestationsFor, type AttestationSettings } from './statements.js';

/** What `attachToLayout` did. */
export interface LayoutAttachReport {
  referrers: { subject: Digest; kind: string; digest: Digest }[];
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
 * the same kind for the same image. `name` is how statements and SBOMs name the image.
 */
export async function attachToLayout(
  dir: string,
  name: string,
  target: ImageOrIndex,
  settings: AttestationSettings = {},
): Promise<LayoutAttachReport> {
  const report: LayoutAttachReport = { referrers: [] };
  for (const p of await attestationsFor(name, target, settings)) {
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
  return report;
}
