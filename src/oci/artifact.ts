import { Readable } from 'node:stream';
import { MinnowError } from '../errors.js';
import type { Descriptor } from './descriptor.js';
import { sha256, type Digest } from './digest.js';
import type { ImageOrIndex } from './image.js';
import { canonicalJson, parseManifest, type Manifest } from './manifest.js';
import { isImageConfig, MediaType } from './media-types.js';

/** The bytes of the OCI empty descriptor's blob: `{}`. */
export const EMPTY_JSON = Buffer.from('{}');

/**
 * The OCI empty descriptor (image-spec 1.1): the config of an artifact that has no config, with its two bytes
 * inline so readers need not fetch them.
 */
export const EMPTY_DESCRIPTOR: Descriptor = Object.freeze({
  mediaType: MediaType.OciEmpty,
  digest: sha256(EMPTY_JSON),
  size: EMPTY_JSON.length,
  data: EMPTY_JSON.toString('base64'),
});

/** One blob of an artifact (its config or a layer), with a way to read it verified against its digest. */
export interface ArtifactBlob {
  descriptor: Descriptor;
  open(): Promise<Readable>;
}

/**
 * A manifest that is not a runnable image: an SBOM, an attestation, a signature. It has the image manifest's
 * shape (config + layers), but its config is usually the empty descriptor and its layers are arbitrary blobs,
 * so it has no diff_ids and nothing to unpack.
 */
export interface Artifact {
  mediaType(): Promise<string>;
  rawManifest(): Promise<Buffer>;
  manifest(): Promise<Manifest>;
  digest(): Promise<Digest>;
  /** The config blob first, then the layers in manifest order. */
  blobs(): Promise<ArtifactBlob[]>;
}

/** Anything a sink can store: an image, an index, or an artifact. */
export type Publishable = ImageOrIndex | { kind: 'artifact'; artifact: Artifact };

/** One blob of a new artifact, held in memory (SBOMs, envelopes and signatures are small). */
export interface ArtifactLayer {
  mediaType: string;
  data: Buffer;
  annotations?: Record<string, string>;
}

/** What `artifactOf` builds. */
export interface ArtifactSpec {
  /** The artifact's type (`application/spdx+json`); required by image-spec 1.1 when the config is empty. */
  artifactType?: string;
  layers: ArtifactLayer[];
  /** The manifest this artifact is about: the referrers API lists it under this subject. */
  subject?: Descriptor;
  annotations?: Record<string, string>;
  /** A config other than the empty descriptor (cosign's signature images carry a small image config). */
  config?: { mediaType: string; data: Buffer };
}

function inMemory(descriptor: Descriptor, data: Buffer): ArtifactBlob {
  return { descriptor, open: async () => Readable.from([data]) };
}

/** An artifact over its raw manifest and its blobs (config first, then layers). */
export function artifactFromBytes(raw: Buffer, blobs: ArtifactBlob[]): Artifact {
  const manifest = parseManifest(raw);
  return {
    mediaType: async () => manifest.mediaType,
    rawManifest: async () => raw,
    manifest: async () => manifest,
    digest: async () => sha256(raw),
    blobs: async () => blobs,
  };
}

/** A new OCI artifact manifest: config = the empty descriptor (unless given), the blobs as layers. */
export function artifactOf(spec: ArtifactSpec): Artifact {
  const config = spec.config
    ? { mediaType: spec.config.mediaType, digest: sha256(spec.config.data), size: spec.config.data.length }
    : EMPTY_DESCRIPTOR;
  if (!spec.config && !spec.artifactType) {
    throw new MinnowError('INVALID_ARGUMENT', 'an artifact with the empty config needs an artifactType');
  }
  const layers = spec.layers.map((l) => ({
    mediaType: l.mediaType,
    digest: sha256(l.data),
    size: l.data.length,
    ...(l.annotations && Object.keys(l.annotations).length > 0 ? { annotations: l.annotations } : {}),
  }));
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    ...(spec.artifactType ? { artifactType: spec.artifactType } : {}),
    config: { ...config },
    layers,
    ...(spec.subject ? { subject: descriptorOnly(spec.subject) } : {}),
    ...(spec.annotations && Object.keys(spec.annotations).length > 0
      ? { annotations: spec.annotations }
      : {}),
  };
  const blobs = [
    inMemory(config, spec.config?.data ?? EMPTY_JSON),
    ...spec.layers.map((l, i) => inMemory(layers[i] as Descriptor, l.data)),
  ];
  return artifactFromBytes(canonicalJson(manifest), blobs);
}

/** The parts of a descriptor a `subject` keeps: what the manifest is, not how an index described it. */
export function descriptorOnly(d: Descriptor): Descriptor {
  return { mediaType: d.mediaType, digest: d.digest, size: d.size };
}

/**
 * The type of an artifact as the referrers API reports it: `artifactType`, else the config's media type
 * (distribution-spec: "if artifactType is empty, use config.mediaType").
 */
export function artifactTypeOf(manifest: Manifest): string {
  return manifest.artifactType ?? manifest.config.mediaType;
}

/** True when an image manifest describes an artifact rather than a runnable image. */
export function isArtifactManifest(manifest: Manifest): boolean {
  return manifest.artifactType !== undefined || !isImageConfig(manifest.config.mediaType);
}
