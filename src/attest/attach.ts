import type { Digest, ImageOrIndex } from '../oci/index.js';
import { attachReferrer, type ReferrersMode } from '../publish/referrers.js';
import type { PushOptions } from '../publish/registry.js';
import { RegistryClient, type Repo } from '../registry/client.js';
import { parseReference, referenceName, type Reference } from '../registry/reference.js';
import { ATTACHMENT_ANNOTATION } from './kinds.js';
import { registryTags, signAttested, type CosignWrite } from './sign.js';
import type { Signer } from './signer.js';
import { attestationsFor, type AttestationSettings } from './statements.js';

/** Options of `attachAttestations`; every field is optional. */
export interface AttachAttestationsOptions extends AttestationSettings, PushOptions {
  /** Signs the image(s) and their attestations in cosign's format. Default: no signing. */
  signer?: Signer;
}

/** One referrer attached. */
export interface AttachedReferrer {
  subject: Digest;
  platform: string;
  kind: string;
  digest: Digest;
  mode: ReferrersMode;
}

/** What `attachAttestations` did. */
export interface AttachReport {
  referrers: AttachedReferrer[];
  /** The cosign `.sig` / `.att` tags written or found up to date. */
  signatures: (CosignWrite & { subject: Digest })[];
  /** Blobs uploaded in all (0 when everything was there already). */
  uploaded: number;
}

/**
 * Attaches to a pushed image (or index) what proves what is in it: for every platform image its SBOM and SLSA
 * provenance as OCI 1.1 referrers; with a `signer`, cosign signatures of every platform image (and of the index)
 * and the SBOM and provenance as signed in-toto attestations, so `cosign verify` and `cosign verify-attestation`
 * accept them. A second run over the same image changes nothing when SOURCE_DATE_EPOCH is set.
 */
export async function attachAttestations(
  reference: string | Reference,
  target: ImageOrIndex,
  options: AttachAttestationsOptions = {},
): Promise<AttachReport> {
  const ref = typeof reference === 'string' ? parseReference(reference) : reference;
  const repo: Repo = { registry: ref.registry, repository: ref.repository };
  const name = referenceName(ref);
  const client = options.client ?? new RegistryClient(options);
  const push = { ...options, client };
  const report: AttachReport = { referrers: [], signatures: [], uploaded: 0 };
  try {
    const computing = attestationsFor(name, target, options);
    computing.catch(() => undefined);
    // The referrers of one subject share its tag-schema index (read, merge, write), so they go one after another;
    // cosign's .sig and .att are tags of their own, written at the same time as the referrers and each other.
    const referrers = async (): Promise<void> => {
      for (const p of await computing) {
        for (const a of p.attestations) {
          const res = await attachReferrer(repo, a.artifact, {
            ...push,
            replaces: (d) => d.annotations?.[ATTACHMENT_ANNOTATION] === a.kind.name,
          });
          report.uploaded += res.uploaded;
          report.referrers.push({
            subject: p.descriptor.digest,
            platform: `${p.platform.os}/${p.platform.architecture}${p.platform.variant ? `/${p.platform.variant}` : ''}`,
            kind: a.kind.name,
            digest: res.descriptor.digest,
            mode: res.mode,
          });
        }
      }
    };
    const signer = options.signer;
    const signatures = async (): Promise<void> => {
      if (!signer) return;
      for (const w of await signAttested(registryTags(client, repo, push), name, target, computing, signer)) {
        report.signatures.push(w);
        report.uploaded += w.uploaded;
      }
    };
    // Both finish (or fail) before the client closes; the first failure is the one reported.
    const settled = await Promise.allSettled([referrers(), signatures()]);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return report;
  } finally {
    if (!options.client) await client.close();
  }
}
