import { pipeline, Readable } from 'node:stream';
import { MinnowError } from '../errors.js';
import { artifactFromBytes, type Artifact, type ArtifactBlob } from './artifact.js';
import type { BlobFile, FileBackedLayer } from './blob-file.js';
import { parseImageConfig, type ImageConfig } from './config.js';
import { decompress } from './compression.js';
import type { Descriptor } from './descriptor.js';
import { parseDigest, sha256, verifyBytes, verifyingStream, type Digest } from './digest.js';
import type { Image, ImageIndex } from './image.js';
import type { Layer } from './layer.js';
import {
  parseIndexManifest,
  parseManifest,
  sniffManifestMediaType,
  type IndexManifest,
  type Manifest,
} from './manifest.js';

/**
 * The few things a source must supply; `fromParts` derives the rest of an Image from them. Reading a blob
 * through `blob` is always verified against the descriptor here, so sources need not do it themselves.
 */
export interface ImageParts {
  rawManifest: Buffer;
  /** Opens a blob (config or layer) by descriptor. */
  blob(descriptor: Descriptor): Promise<Readable>;
  /** The config bytes, when the source already has them in memory. */
  rawConfig?: Buffer;
  /** Media type the transport declared (used when the manifest omits one). */
  mediaType?: string;
  /** Where a blob lies in a local file, for sources that keep blobs in files (layers become FileBackedLayer). */
  blobFile?(descriptor: Descriptor): Promise<BlobFile | undefined>;
}

/** Reads a whole small blob (a config) into memory, checking it against its descriptor. */
export async function readSmallBlob(
  stream: Readable,
  d: Descriptor,
  limit = 16 * 1024 * 1024,
): Promise<Buffer> {
  if (d.size > limit) {
    throw new MinnowError(
      'LIMIT_EXCEEDED',
      `blob ${d.digest} is ${d.size} bytes, more than the ${limit} allowed here`,
    );
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += (chunk as Buffer).length;
    if (total > limit) {
      stream.destroy();
      throw new MinnowError(
        'LIMIT_EXCEEDED',
        `blob ${d.digest} is larger than the ${limit} bytes allowed here`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  const data = Buffer.concat(chunks);
  verifyBytes(data, d.digest, d.size);
  return data;
}

/** Pipes a blob stream through digest verification. */
export function verified(stream: Readable, d: Descriptor): Readable {
  const check = verifyingStream(d.digest, d.size, `blob ${d.digest}`);
  pipeline(stream, check, () => {
    /* the error, if any, reaches the consumer of `check` */
  });
  return check;
}

/** A layer whose blob comes from `open` and whose diff_id is already known (from the config). */
export function descriptorLayer(
  d: Descriptor,
  diffId: Digest,
  open: (d: Descriptor) => Promise<Readable>,
  where?: (d: Descriptor) => Promise<BlobFile | undefined>,
): Layer {
  const compressed = async (): Promise<Readable> => verified(await open(d), d);
  const layer: Layer = {
    digest: async () => d.digest,
    diffId: async () => diffId,
    size: async () => d.size,
    mediaType: async () => d.mediaType,
    compressed,
    uncompressed: async () => decompress(await compressed()),
  };
  if (!where) return layer;
  const backed: FileBackedLayer = { ...layer, blobFile: () => where(d) };
  return backed;
}

/** Derives a full Image from a raw manifest and a blob opener. */
export function fromParts(parts: ImageParts): Image {
  let manifest: Manifest | undefined;
  let rawConfig: Buffer | undefined = parts.rawConfig;
  let config: ImageConfig | undefined;
  let layers: Layer[] | undefined;
  const getManifest = async (): Promise<Manifest> => (manifest ??= parseManifest(parts.rawManifest));
  const getRawConfig = async (): Promise<Buffer> => {
    if (rawConfig) return rawConfig;
    const m = await getManifest();
    rawConfig = await readSmallBlob(await parts.blob(m.config), m.config);
    return rawConfig;
  };
  if (parts.rawConfig) {
    // Bytes handed in are still checked, so no source can slip an unverified config through.
    const m = parseManifest(parts.rawManifest);
    verifyBytes(parts.rawConfig, m.config.digest, m.config.size, 'image config');
  }
  const getConfig = async (): Promise<ImageConfig> => (config ??= parseImageConfig(await getRawConfig()));
  const getLayers = async (): Promise<Layer[]> => {
    if (layers) return layers;
    const m = await getManifest();
    const cfg = await getConfig();
    const diffIds = cfg.rootfs.diff_ids;
    if (diffIds.length !== m.layers.length) {
      throw new MinnowError(
        'INVALID_IMAGE',
        `manifest lists ${m.layers.length} layers but the config lists ${diffIds.length} diff_ids`,
      );
    }
    const where = parts.blobFile?.bind(parts);
    layers = m.layers.map((d, i) => descriptorLayer(d, parseDigest(diffIds[i] as string), parts.blob, where));
    return layers;
  };
  return {
    mediaType: async () => sniffManifestMediaType(parts.rawManifest, parts.mediaType),
    rawManifest: async () => parts.rawManifest,
    manifest: getManifest,
    digest: async () => sha256(parts.rawManifest),
    rawConfig: getRawConfig,
    configFile: getConfig,
    layers: getLayers,
    layerByDigest: async (digest: Digest) => {
      const all = await getLayers();
      for (const layer of all) {
        if ((await layer.digest()) === digest || (await layer.diffId()) === digest) return layer;
      }
      throw new MinnowError('NOT_FOUND', `image has no layer ${digest}`, { subject: digest });
    },
  };
}

/** The few things an index source must supply. */
export interface IndexParts {
  rawManifest: Buffer;
  /** Opens a child manifest (image or index) by descriptor; returns its raw bytes, verified here. */
  manifest(descriptor: Descriptor): Promise<Buffer>;
  /** Opens a blob of a child image. */
  blob(descriptor: Descriptor): Promise<Readable>;
  /** Where a child image's blob lies in a local file (see ImageParts.blobFile). */
  blobFile?(descriptor: Descriptor): Promise<BlobFile | undefined>;
  mediaType?: string;
}

/** Derives a full ImageIndex from a raw index and openers for its children. */
export function fromIndexParts(parts: IndexParts): ImageIndex {
  let index: IndexManifest | undefined;
  const child = async (d: Descriptor): Promise<Buffer> => {
    const raw = await parts.manifest(d);
    verifyBytes(raw, d.digest, d.size, `manifest ${d.digest}`);
    return raw;
  };
  return {
    mediaType: async () => sniffManifestMediaType(parts.rawManifest, parts.mediaType),
    rawManifest: async () => parts.rawManifest,
    indexManifest: async () => (index ??= parseIndexManifest(parts.rawManifest)),
    digest: async () => sha256(parts.rawManifest),
    image: async (d) =>
      fromParts({
        rawManifest: await child(d),
        blob: parts.blob,
        ...(parts.blobFile ? { blobFile: parts.blobFile.bind(parts) } : {}),
        mediaType: d.mediaType,
      }),
    imageIndex: async (d) =>
      fromIndexParts({ ...parts, rawManifest: await child(d), mediaType: d.mediaType }),
    artifact: async (d) => artifactFromParts({ rawManifest: await child(d), blob: parts.blob }),
  };
}

/** The few things an artifact source supplies: the raw manifest and a blob opener (verified here). */
export interface ArtifactParts {
  rawManifest: Buffer;
  blob(descriptor: Descriptor): Promise<Readable>;
}

/** An artifact read from a source (a registry, a layout); a blob carried inline as `data` is used as is. */
export function artifactFromParts(parts: ArtifactParts): Artifact {
  const manifest = parseManifest(parts.rawManifest);
  const open = (d: Descriptor) => async (): Promise<Readable> => {
    if (d.data !== undefined) {
      const data = Buffer.from(d.data, 'base64');
      verifyBytes(data, d.digest, d.size, `blob ${d.digest}`);
      return Readable.from([data]);
    }
    return verified(await parts.blob(d), d);
  };
  const blobs = [manifest.config, ...manifest.layers].map((d) => ({ descriptor: d, open: open(d) }));
  return artifactFromBytes(parts.rawManifest, blobs);
}

/** Reads a small artifact blob (an SBOM, an envelope) into memory, verified. */
export async function readArtifactBlob(blob: ArtifactBlob, limit?: number): Promise<Buffer> {
  return readSmallBlob(await blob.open(), blob.descriptor, limit);
}
