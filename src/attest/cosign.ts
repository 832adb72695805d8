import { Readable } from 'node:stream';
import {
  artifactFromBytes,
  artifactFromParts,
  canonicalJson,
  digestAlgorithm,
  digestHex,
  MediaType,
  readArtifactBlob,
  sha256,
  type Artifact,
  type ArtifactBlob,
  type Descriptor,
  type Digest,
  type Manifest,
} from '../oci/index.js';
import type { RegistryClient, Repo } from '../registry/client.js';

/**
 * cosign's storage of signatures and attestations, which cosign 2.x reads by default: an image tagged
 * `sha256-<hex>.sig` (or `.att`) in the image's repository, one layer per signature. A signature layer is a
 * simple-signing payload with the base64 signature in the `dev.cosignproject.cosign/signature` annotation; an
 * attestation layer is a DSSE envelope with a `predicateType` annotation.
 */
export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const COSIGN_PREDICATE_TYPE_ANNOTATION = 'predicateType';
export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';

export type CosignTagKind = 'sig' | 'att';

/** The suffixes of cosign's tags: `.sbom` is where `cosign attach sbom` (deprecated) put an SBOM image. */
export type CosignTagSuffix = CosignTagKind | 'sbom';

/** `sha256-<hex>.sig` / `.att` / `.sbom`: where cosign looks for an image's signatures and attestations. */
export function cosignTag(digest: Digest, kind: CosignTagSuffix): string {
  return `${digestAlgorithm(digest)}-${digestHex(digest)}.${kind}`;
}

/** The payload cosign signs for an image: its name and manifest digest ("simple signing"). */
export function simpleSigningPayload(name: string, digest: Digest): Buffer {
  return canonicalJson({
    critical: {
      identity: { 'docker-reference': name },
      image: { 'docker-manifest-digest': digest },
      type: 'cosign container image signature',
    },
    optional: null,
  });
}

/** A simple-signing payload's claims, when the bytes are one. */
export function parseSimpleSigning(
  raw: Buffer,
): { name?: string; digest?: string; type?: string } | undefined {
  try {
    const doc = JSON.parse(raw.toString('utf8')) as {
      critical?: {
        identity?: { 'docker-reference'?: string };
        image?: { 'docker-manifest-digest'?: string };
        type?: string;
      };
    };
    return {
      name: doc.critical?.identity?.['docker-reference'],
      digest: doc.critical?.image?.['docker-manifest-digest'],
      type: doc.critical?.type,
    };
  } catch {
    return undefined;
  }
}

/** One layer of a cosign tag image with its bytes. */
export interface CosignLayer {
  descriptor: Descriptor;
  data: Buffer;
}

/**
 * A cosign tag image over `layers`: an OCI manifest with the minimal image config go-containerregistry's empty
 * image gives (one history entry and one diff_id per layer, the layers being stored uncompressed).
 */
export function cosignImage(layers: CosignLayer[]): Artifact {
  const zero = '0001-01-01T00:00:00Z';
  const config = canonicalJson({
    architecture: '',
    created: zero,
    history: layers.map(() => ({ created: zero })),
    os: '',
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.descriptor.digest) },
    config: {},
  });
  const configDescriptor = { mediaType: MediaType.OciConfig, digest: sha256(config), size: config.length };
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: configDescriptor,
    layers: layers.map((l) => l.descriptor),
  };
  const blobs: ArtifactBlob[] = [
    { descriptor: configDescriptor, open: async () => Readable.from([config]) },
    ...layers.map((l) => ({ descriptor: l.descriptor, open: async () => Readable.from([l.data]) })),
  ];
  return artifactFromBytes(canonicalJson(manifest), blobs);
}

/** A new cosign layer: `data` with its media type and annotations. */
export function cosignLayer(
  mediaType: string,
  data: Buffer,
  annotations: Record<string, string>,
): CosignLayer {
  return { descriptor: { mediaType, digest: sha256(data), size: data.length, annotations }, data };
}

/** The layers of the cosign tag image of `digest` in a repository (none when there is no such tag). */
export async function readCosignLayers(
  client: RegistryClient,
  repo: Repo,
  digest: Digest,
  kind: CosignTagKind,
): Promise<CosignLayer[]> {
  const tag = cosignTag(digest, kind);
  if (!(await client.headManifest(repo, tag))) return [];
  const got = await client.getManifest(repo, tag);
  return cosignLayersOf(artifactFromParts({ rawManifest: got.raw, blob: (d) => client.openBlob(repo, d) }));
}

/** The layers of a cosign tag image (read from a registry or a layout) with their bytes, verified. */
export async function cosignLayersOf(artifact: Artifact): Promise<CosignLayer[]> {
  const [, ...layers] = await artifact.blobs();
  const out: CosignLayer[] = [];
  // Envelopes and payloads are small; anything past 16 MiB is refused by readArtifactBlob.
  for (const l of layers) out.push({ descriptor: l.descriptor, data: await readArtifactBlob(l) });
  return out;
}
