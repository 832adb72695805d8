import { Readable } from 'node:stream';
import {
  isIndex,
  type Artifact,
  type Descriptor,
  type Digest,
  type Image,
  type ImageIndex,
  type Publishable,
} from '../oci/index.js';

/** One blob an image or index needs, with a way to read it (verified against its digest). */
export interface BlobToWrite {
  descriptor: Descriptor;
  open(): Promise<Readable>;
}

/** A manifest (of an image or index) with its bytes. */
export interface ManifestToWrite {
  descriptor: Descriptor;
  raw: Buffer;
}

/** Everything an image holds: its config and layer blobs, and its manifest. */
export async function imageContents(
  image: Image,
): Promise<{ blobs: BlobToWrite[]; manifest: ManifestToWrite }> {
  const manifest = await image.manifest();
  const rawConfig = await image.rawConfig();
  const blobs: BlobToWrite[] = [
    {
      descriptor: manifest.config,
      open: async () => Readable.from([rawConfig]),
    },
  ];
  const layers = await image.layers();
  for (const [i, layer] of layers.entries()) {
    const d = manifest.layers[i];
    if (!d) continue;
    blobs.push({ descriptor: d, open: () => layer.compressed() });
  }
  const raw = await image.rawManifest();
  return {
    blobs,
    manifest: {
      descriptor: { mediaType: manifest.mediaType, digest: await image.digest(), size: raw.length },
      raw,
    },
  };
}

/** Everything an artifact holds: its config (often the empty descriptor) and layer blobs, and its manifest. */
export async function artifactContents(
  artifact: Artifact,
): Promise<{ blobs: BlobToWrite[]; manifest: ManifestToWrite }> {
  const raw = await artifact.rawManifest();
  return {
    blobs: await artifact.blobs(),
    manifest: {
      descriptor: {
        mediaType: await artifact.mediaType(),
        digest: await artifact.digest(),
        size: raw.length,
      },
      raw,
    },
  };
}

/**
 * Every blob and manifest under an image, index or artifact, children before parents (so a writer that stores in this order
 * never names something it has not stored yet). Blobs shared by several images are listed once.
 */
export async function allContents(
  target: Publishable,
): Promise<{ blobs: BlobToWrite[]; manifests: ManifestToWrite[]; root: ManifestToWrite }> {
  const blobs = new Map<Digest, BlobToWrite>();
  const manifests: ManifestToWrite[] = [];
  const add = (c: { blobs: BlobToWrite[]; manifest: ManifestToWrite }): ManifestToWrite => {
    for (const b of c.blobs) if (!blobs.has(b.descriptor.digest)) blobs.set(b.descriptor.digest, b);
    manifests.push(c.manifest);
    return c.manifest;
  };
  const addImage = async (image: Image): Promise<ManifestToWrite> => add(await imageContents(image));
  const addArtifact = async (artifact: Artifact): Promise<ManifestToWrite> =>
    add(await artifactContents(artifact));

  const addIndex = async (index: ImageIndex): Promise<ManifestToWrite> => {
    const im = await index.indexManifest();
    for (const d of im.manifests) {
      if (isIndex(d.mediaType)) await addIndex(await index.imageIndex(d));
      // An index may name artifacts (a layout's referrers): walked as such when the index can open them.
      else if (d.artifactType !== undefined && index.artifact) await addArtifact(await index.artifact(d));
      else await addImage(await index.image(d));
    }
    const raw = await index.rawManifest();
    const m = {
      descriptor: { mediaType: im.mediaType, digest: await index.digest(), size: raw.length },
      raw,
    };
    manifests.push(m);
    return m;
  };
  const root =
    target.kind === 'image'
      ? await addImage(target.image)
      : target.kind === 'index'
        ? await addIndex(target.index)
        : await addArtifact(target.artifact);
  return { blobs: [...blobs.values()], manifests, root };
}
