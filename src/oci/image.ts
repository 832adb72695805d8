import type { Artifact } from './artifact.js';
import type { Digest } from './digest.js';
import type { Descriptor } from './descriptor.js';
import type { ImageConfig } from './config.js';
import type { Layer } from './layer.js';
import type { IndexManifest, Manifest } from './manifest.js';

/** A single-platform image. Sources implement it (usually through `fromParts`); sinks consume it. */
export interface Image {
  /** Media type of the manifest. */
  mediaType(): Promise<string>;
  /** The manifest exactly as stored or served: its bytes define the digest. */
  rawManifest(): Promise<Buffer>;
  manifest(): Promise<Manifest>;
  /** Digest of the raw manifest. */
  digest(): Promise<Digest>;
  rawConfig(): Promise<Buffer>;
  configFile(): Promise<ImageConfig>;
  /** The layers, in manifest order (base first). */
  layers(): Promise<Layer[]>;
  /** One layer by its compressed digest or its diff_id. */
  layerByDigest(digest: Digest): Promise<Layer>;
}

/** A multi-platform image index (or Docker manifest list). */
export interface ImageIndex {
  mediaType(): Promise<string>;
  rawManifest(): Promise<Buffer>;
  indexManifest(): Promise<IndexManifest>;
  digest(): Promise<Digest>;
  /** The child image a descriptor of this index names. */
  image(descriptor: Descriptor): Promise<Image>;
  /** The child index a descriptor of this index names. */
  imageIndex(descriptor: Descriptor): Promise<ImageIndex>;
  /**
   * The child artifact (an SBOM, a signature) a descriptor names, for sources that can hold artifacts (a
   * layout's index.json lists its referrers). Optional: an index built from images has none.
   */
  artifact?(descriptor: Descriptor): Promise<Artifact>;
}

/** What a source resolves a reference to: one image, or an index over several. */
export type ImageOrIndex = { kind: 'image'; image: Image } | { kind: 'index'; index: ImageIndex };
