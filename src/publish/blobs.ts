import { Readable } from 'node:stream';
import type { Descriptor, Digest, Image, ImageIndex, ImageOrIndex } from '../oci/index.js';

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

/**
 * Every blob and manifest under an image or index, children before parents (so a writer that stores in this order
 * never names something it has not stored yet). Blobs shared by several images are listed once.
 */
export async function allContents(
  target: ImageOrIndex,
): Promise<{ blobs: BlobToWrite[]; manifests: ManifestToWrite[]; root: ManifestToWrite }> {
  const blobs = new Map<Digest, BlobToWrite>();
  const manifests: ManifestToWrite[] = [];
  const addImage = async (image: Image): Promise<ManifestToWrite> => {
    const c = await imageContents(image);
    for (const b of c.blobs) if (!blobs.has(b.descriptor.digest)) blobs.set(b.descriptor.digest, b);
    manifests.push(c.manifest);
    return c.manifest;
  };
  const addIndex = async (index: ImageIndex): Promise<ManifestToWrite> => {
    const im = await index.indexManifest();
    for (const d of im.manifests) {
      if (d.mediaType.includes('index') || d.mediaType.includes('manifest.list'))
        await addIndex(await index.imageIndex(d));
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
  const root = target.kind === 'image' ? await addImage(target.image) : await addIndex(target.index);
  return { blobs: [...blobs.values()], manifests, root };
}
