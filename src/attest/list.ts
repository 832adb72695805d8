import { readArtifactBlob, type Descriptor, type Digest } from '../oci/index.js';
import { RegistryClient, type RegistryClientOptions } from '../registry/client.js';
import type { Reference } from '../registry/reference.js';
import type { ReferrerPlace } from './attachment-target.js';
import { COSIGN_PREDICATE_TYPE_ANNOTATION } from './cosign.js';
import { ATTACHMENT_ANNOTATION, ATTESTATION_KINDS } from './kinds.js';
import { resolveAttached } from './resolve-target.js';

/** What is attached to one manifest. */
export interface ManifestAttachments {
  digest: Digest;
  /** The platform, for an index's image. */
  platform?: string;
  /** Where the referrers are listed: the registry's referrers API, its tag schema, or a layout's index.json. */
  mode: ReferrerPlace;
  referrers: Descriptor[];
  /** Signatures in the cosign `.sig` tag. */
  signatures: number;
  /** Predicate types of the attestations in the cosign `.att` tag. */
  attestations: string[];
}

/** What `listAttachments` found: the image (or index) and each platform image of an index. */
export interface AttachmentsReport {
  reference: string;
  digest: Digest;
  manifests: ManifestAttachments[];
}

/** Options of `listAttachments`. */
export interface ListOptions extends RegistryClientOptions {
  client?: RegistryClient;
}

/**
 * Lists what is attached to a pushed image (or one in an OCI layout, `oci:DIR[:TAG]`): its referrers (SBOMs, provenance, other tools' artifacts) and its
 * cosign signatures and attestations, for the image and for every platform image of an index.
 */
export async function listAttachments(
  reference: string | Reference,
  options: ListOptions = {},
): Promise<AttachmentsReport> {
  const client = options.client ?? new RegistryClient(options);
  try {
    const target = await resolveAttached(client, reference);
    const manifests: ManifestAttachments[] = [];
    const entries: { digest: Digest; platform?: string }[] = [
      { digest: target.digest },
      ...target.children.map((d) => ({
        digest: d.digest,
        ...(d.platform ? { platform: `${d.platform.os}/${d.platform.architecture}` } : {}),
      })),
    ];
    for (const e of entries) {
      const { place, referrers } = await target.referrers(e.digest);
      const sigs = await target.tags.read(e.digest, 'sig');
      const atts = await target.tags.read(e.digest, 'att');
      manifests.push({
        ...e,
        mode: place,
        referrers,
        signatures: sigs.length,
        attestations: atts.map(
          (l) => l.descriptor.annotations?.[COSIGN_PREDICATE_TYPE_ANNOTATION] ?? 'unknown',
        ),
      });
    }
    return { reference: target.reference, digest: target.digest, manifests };
  } finally {
    if (!options.client) await client.close();
  }
}

/**
 * The SBOM minnow attached to an image (one platform image's digest), as stored, or undefined when none of that
 * format is attached. `reference` is a registry reference or an `oci:DIR[:TAG]` layout.
 */
export async function readAttachedSbom(
  client: RegistryClient,
  reference: string | Reference,
  options: { format: 'spdx-json' | 'cyclonedx-json'; platform?: { os: string; architecture: string } },
): Promise<string | undefined> {
  const target = await resolveAttached(client, reference);
  let digest = target.digest;
  if (target.children.length) {
    const want = options.platform;
    const child = want
      ? target.children.find(
          (d) => d.platform?.os === want.os && d.platform.architecture === want.architecture,
        )
      : target.children.length === 1
        ? target.children[0]
        : undefined;
    if (!child) return undefined;
    digest = child.digest;
  }
  const kind =
    options.format === 'spdx-json' ? ATTESTATION_KINDS['sbom-spdx'] : ATTESTATION_KINDS['sbom-cyclonedx'];
  const { referrers } = await target.referrers(digest);
  // go-containerregistry's registry reports the config's type, not artifactType: minnow's annotation decides.
  const found = referrers.find(
    (d) => d.annotations?.[ATTACHMENT_ANNOTATION] === kind.name || d.artifactType === kind.artifactType,
  );
  if (!found) return undefined;
  const artifact = await target.artifact(found);
  const manifest = await artifact.manifest();
  if (manifest.subject?.digest !== digest) return undefined;
  const layer = (await artifact.blobs()).find((b) => b.descriptor.mediaType === kind.artifactType);
  return layer ? (await readArtifactBlob(layer, 64 * 1024 * 1024)).toString('utf8') : undefined;
}
