import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MinnowError } from '../errors.js';
import {
  blobFileStream,
  fromIndexParts,
  fromParts,
  isImageManifest,
  isIndex,
  layoutBlobPath,
  parseIndexManifest,
  REF_NAME_ANNOTATION,
  sniffManifestMediaType,
  type BlobFile,
  type Descriptor,
  verifyBytes,
  type ImageOrIndex,
} from '../oci/index.js';

export interface LayoutReadOptions {
  /** Tag (`org.opencontainers.image.ref.name`) or digest to pick; default: the layout's only entry. */
  tag?: string;
}

/** index.json and manifests above this size are refused, as the registry client refuses them (4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** A small JSON file of the layout, refused before it is read when it is larger than a manifest may be. */
export async function readSmall(path: string, what: string): Promise<Buffer> {
  const st = await stat(path);
  if (st.size > MAX_MANIFEST_BYTES) {
    throw new MinnowError(
      'LIMIT_EXCEEDED',
      `${what} is ${st.size} bytes, more than the ${MAX_MANIFEST_BYTES} a manifest may be`,
      {
        subject: path,
      },
    );
  }
  return readFile(path);
}

/**
 * Where a blob lies: its file, when that holds exactly the descriptor's size (else the verified stream reports
 * what is wrong).
 */
function blobFileIn(dir: string) {
  return async (d: Descriptor): Promise<BlobFile | undefined> => {
    const path = layoutBlobPath(dir, d.digest);
    const st = await stat(path).catch(() => undefined);
    return st?.isFile() && st.size === d.size ? { path, start: 0, size: d.size } : undefined;
  };
}

function openBlob(dir: string) {
  return async (d: Descriptor) => {
    const path = layoutBlobPath(dir, d.digest);
    const stream = blobFileStream(path);
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (err) =>
        reject(
          new MinnowError('NOT_FOUND', `OCI layout ${dir} has no blob ${d.digest}`, {
            subject: path,
            cause: err,
          }),
        ),
      );
    });
    return stream;
  };
}

/** Reads an image or index from an OCI image layout directory; every blob read is verified. */
export async function readLayout(dir: string, options: LayoutReadOptions = {}): Promise<ImageOrIndex> {
  let raw: Buffer;
  try {
    raw = await readSmall(join(dir, 'index.json'), `${dir}/index.json`);
  } catch (err) {
    if (err instanceof MinnowError) throw err;
    throw new MinnowError('NOT_FOUND', `${dir} is not an OCI image layout (no index.json)`, {
      subject: dir,
      cause: err,
    });
  }
  const index = parseIndexManifest(raw);
  const blob = openBlob(dir);
  const blobFile = blobFileIn(dir);
  let chosen: Descriptor | undefined;
  const tags = index.manifests.map((d) => d.annotations?.[REF_NAME_ANNOTATION]).filter(Boolean);
  // Entries with an artifactType are referrers (an SBOM of an image), not images to pick.
  const images = index.manifests.filter((d) => d.artifactType === undefined);
  if (options.tag) {
    chosen = index.manifests.find(
      (d) => d.annotations?.[REF_NAME_ANNOTATION] === options.tag || d.digest === options.tag,
    );
    if (!chosen) {
      throw new MinnowError('NOT_FOUND', `OCI layout ${dir} has no image tagged "${options.tag}"`, {
        subject: dir,
        hint: tags.length ? `tags present: ${tags.join(', ')}` : 'the layout has no tagged images',
      });
    }
  } else if (images.length === 1) {
    chosen = images[0];
  } else if (images.length > 1) {
    throw new MinnowError('INVALID_ARGUMENT', `OCI layout ${dir} holds ${images.length} images: name one`, {
      subject: dir,
      hint: tags.length ? `use oci:${dir}:TAG with one of: ${tags.join(', ')}` : undefined,
    });
  }
  if (!chosen) throw new MinnowError('NOT_FOUND', `OCI layout ${dir} is empty`, { subject: dir });
  const rawChild = await readSmall(layoutBlobPath(dir, chosen.digest), `manifest ${chosen.digest}`).catch(
    (err: unknown) => {
      if (err instanceof MinnowError) throw err;
      throw new MinnowError('NOT_FOUND', `OCI layout ${dir} has no blob ${chosen.digest}`, {
        subject: dir,
        cause: err,
      });
    },
  );
  const mediaType = sniffManifestMediaType(rawChild, chosen.mediaType);
  const manifestOf = async (d: Descriptor): Promise<Buffer> =>
    readSmall(layoutBlobPath(dir, d.digest), `manifest ${d.digest}`);
  if (isIndex(mediaType)) {
    const idx = fromIndexParts({
      rawManifest: await verifiedChild(rawChild, chosen),
      manifest: manifestOf,
      blob,
      blobFile,
      mediaType,
    });
    return { kind: 'index', index: idx };
  }
  if (isImageManifest(mediaType)) {
    return {
      kind: 'image',
      image: fromParts({ rawManifest: await verifiedChild(rawChild, chosen), blob, blobFile, mediaType }),
    };
  }
  throw new MinnowError('UNSUPPORTED_MEDIA_TYPE', `unsupported manifest media type ${mediaType} in ${dir}`, {
    subject: mediaType,
  });
}

async function verifiedChild(raw: Buffer, d: Descriptor): Promise<Buffer> {
  verifyBytes(raw, d.digest, d.size, `manifest ${d.digest}`);
  return raw;
}
