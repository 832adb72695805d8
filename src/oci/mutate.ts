import { MinnowError } from '../errors.js';
import { descriptorOnly } from './artifact.js';
import type { HistoryEntry, ImageConfig } from './config.js';
import type { Descriptor } from './descriptor.js';
import { sha256, type Digest } from './digest.js';
import type { Image, ImageIndex } from './image.js';
import type { Layer } from './layer.js';
import {
  canonicalJson,
  parseIndexManifest,
  parseManifest,
  type IndexManifest,
  type Manifest,
} from './manifest.js';
import { MediaType } from './media-types.js';
import type { Platform } from './platform.js';

/** A layer to append, with the history entry that explains it. */
export interface Addendum {
  layer: Layer;
  history?: HistoryEntry;
}

export interface MutateOptions {
  /** Layers appended after the base's. */
  layers?: Addendum[];
  /** Returns the new config from the base's (already deep-copied, safe to edit). */
  config?: (config: ImageConfig) => ImageConfig;
  /** Manifest annotations (replace the base's). */
  annotations?: Record<string, string>;
  /** The manifest the new image refers to (OCI 1.1 `subject`): the referrers API lists it under that one. */
  subject?: Descriptor;
}

/** Docker's layer media types, mapped to OCI ones so the result is a consistent OCI manifest. */
function ociLayerMediaType(mediaType: string): string {
  switch (mediaType) {
    case MediaType.DockerLayerGzip:
      return MediaType.OciLayerGzip;
    case MediaType.DockerForeignLayerGzip:
      return MediaType.OciLayerNondistributableGzip;
    default:
      return mediaType;
  }
}

async function layerDescriptor(layer: Layer): Promise<Descriptor> {
  return {
    mediaType: ociLayerMediaType(await layer.mediaType()),
    digest: await layer.digest(),
    size: await layer.size(),
  };
}

/** An image held as finished bytes: a manifest, a config and layers. */
export function imageFromLayers(rawManifest: Buffer, rawConfig: Buffer, layers: Layer[]): Image {
  const manifest = parseManifest(rawManifest);
  return {
    mediaType: async () => manifest.mediaType,
    rawManifest: async () => rawManifest,
    manifest: async () => manifest,
    digest: async () => sha256(rawManifest),
    rawConfig: async () => rawConfig,
    configFile: async () => JSON.parse(rawConfig.toString()) as ImageConfig,
    layers: async () => layers,
    layerByDigest: async (digest: Digest) => {
      for (const layer of layers) {
        if ((await layer.digest()) === digest || (await layer.diffId()) === digest) return layer;
      }
      throw new MinnowError('NOT_FOUND', `image has no layer ${digest}`, { subject: digest });
    },
  };
}

/**
 * A new OCI image: the base's layers plus `layers`, with the config `config` returns. Never edits the base.
 */
export async function mutate(base: Image, options: MutateOptions): Promise<Image> {
  const baseConfig = structuredClone(await base.configFile());
  const baseLayers = await base.layers();
  const added = options.layers ?? [];
  const layers = [...baseLayers, ...added.map((a) => a.layer)];
  let config = options.config ? options.config(baseConfig) : baseConfig;
  const diffIds = [...config.rootfs.diff_ids];
  const history = [...(config.history ?? [])];
  for (const a of added) {
    diffIds.push(await a.layer.diffId());
    history.push(a.history ?? { created: config.created });
  }
  config = { ...config, rootfs: { type: 'layers', diff_ids: diffIds }, history };
  const rawConfig = canonicalJson(config);
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: sha256(rawConfig), size: rawConfig.length },
    layers: await Promise.all(layers.map(layerDescriptor)),
    ...(options.subject ? { subject: descriptorOnly(options.subject) } : {}),
    ...(options.annotations && Object.keys(options.annotations).length > 0
      ? { annotations: options.annotations }
      : {}),
  };
  return imageFromLayers(canonicalJson(manifest), rawConfig, layers);
}

/** An image with no layers for `platform`: the start of a `scratch` build. */
export function emptyImage(platform: Platform): Image {
  const config: ImageConfig = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {},
    rootfs: { type: 'layers', diff_ids: [] },
    history: [],
  };
  const rawConfig = canonicalJson(config);
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: sha256(rawConfig), size: rawConfig.length },
    layers: [],
  };
  return imageFromLayers(canonicalJson(manifest), rawConfig, []);
}

/** One platform's image in an index. */
export interface IndexEntry {
  image: Image;
  platform: Platform;
  annotations?: Record<string, string>;
}

/** An OCI image index over per-platform images, each described with its platform (variant included). */
export async function indexOf(
  entries: IndexEntry[],
  annotations?: Record<string, string>,
): Promise<ImageIndex> {
  const manifests: Descriptor[] = [];
  const byDigest = new Map<string, Image>();
  for (const e of entries) {
    const raw = await e.image.rawManifest();
    const digest = await e.image.digest();
    byDigest.set(digest, e.image);
    manifests.push({
      mediaType: await e.image.mediaType(),
      digest,
      size: raw.length,
      platform: { ...e.platform },
      ...(e.annotations ? { annotations: e.annotations } : {}),
    });
  }
  const index: IndexManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests,
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
  const rawManifest = canonicalJson(index);
  parseIndexManifest(rawManifest);
  return {
    mediaType: async () => MediaType.OciIndex,
    rawManifest: async () => rawManifest,
    indexManifest: async () => index,
    digest: async () => sha256(rawManifest),
    image: async (d) => {
      const img = byDigest.get(d.digest);
      if (!img) throw new MinnowError('NOT_FOUND', `index has no image ${d.digest}`, { subject: d.digest });
      return img;
    },
    imageIndex: async (d) => {
      throw new MinnowError('NOT_FOUND', `index has no child index ${d.digest}`, { subject: d.digest });
    },
  };
}
