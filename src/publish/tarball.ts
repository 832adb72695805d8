import { createWriteStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { PassThrough, pipeline as nodePipeline, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { MinnowError } from '../errors.js';
import {
  canonicalJson,
  digestHex,
  MediaType,
  OCI_LAYOUT_FILE,
  REF_NAME_ANNOTATION,
  splitNameTag,
  type Digest,
  type Image,
  type IndexManifest,
} from '../oci/index.js';
import { withTempTarget } from '../util/atomic.js';
import { imageContents } from './blobs.js';

export interface TarballWriteOptions {
  /** `name:tag` references recorded as RepoTags, so `docker load` tags the image. */
  tags?: string[];
  /** Overwrite an existing file. Default false. */
  force?: boolean;
  signal?: AbortSignal;
}

export interface TarballWriteResult {
  path: string;
  digest: Digest;
  size: number;
}

/** The tag of `name[:tag]`: the part after the last colon that follows the last slash (not a registry port). */
export function tagOf(ref: string): string {
  return splitNameTag(ref).tag || 'latest';
}

const blobName = (digest: Digest): string => `blobs/sha256/${digestHex(digest)}`;

function entry(pack: tar.Pack, name: string, size: number, source: Readable): Promise<void> {
  const sink = pack.entry({
    name,
    size,
    mode: 0o644,
    mtime: new Date(0),
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
  });
  return pipeline(source, sink);
}

/**
 * The `docker load` tarball of an image as a stream, produced while it is read: blobs are copied from their
 * sources one after another, never buffered. Used for files (`writeTarball`) and for the Engine's load API.
 */
export async function tarballStream(
  image: Image,
  tags: string[] = [],
): Promise<{ stream: Readable; digest: Digest }> {
  const { blobs, manifest } = await imageContents(image);
  const index: IndexManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests: [
      {
        ...manifest.descriptor,
        ...(tags[0]
          ? {
              annotations: {
                'io.containerd.image.name': tags[0],
                [REF_NAME_ANNOTATION]: tagOf(tags[0]),
              },
            }
          : {}),
      },
    ],
  };
  const dockerManifest = [
    {
      Config: blobName(blobs[0]!.descriptor.digest),
      RepoTags: tags,
      Layers: blobs.slice(1).map((b) => blobName(b.descriptor.digest)),
    },
  ];
  const pack = tar.pack();
  const feeding = (async () => {
    const layout = canonicalJson(OCI_LAYOUT_FILE);
    await entry(pack, 'oci-layout', layout.length, Readable.from([layout]));
    const seen = new Set<string>();
    for (const b of blobs) {
      if (seen.has(b.descriptor.digest)) continue;
      seen.add(b.descriptor.digest);
      await entry(pack, blobName(b.descriptor.digest), b.descriptor.size, await b.open());
    }
    await entry(
      pack,
      blobName(manifest.descriptor.digest),
      manifest.raw.length,
      Readable.from([manifest.raw]),
    );
    const idx = canonicalJson(index);
    await entry(pack, 'index.json', idx.length, Readable.from([idx]));
    const mj = canonicalJson(dockerManifest);
    await entry(pack, 'manifest.json', mj.length, Readable.from([mj]));
    pack.finalize();
  })();
  feeding.catch((err: unknown) => pack.destroy(err as Error));
  // A Node stream (tar-stream's own is a streamx one) so undici and fs take it as a request body or a source.
  const stream = new PassThrough();
  nodePipeline(pack, stream, () => {
    /* errors reach the consumer of `stream` */
  });
  return { stream, digest: manifest.descriptor.digest };
}

/**
 * Writes a tarball that `docker load` reads (manifest.json naming the config and layers) and that is at the same
 * time an OCI image layout, as the Engine's own `docker save` writes since Docker 25. Layers stay compressed:
 * the Engine and skopeo both inflate them on load. Written to a temp file and renamed.
 */
export async function writeTarball(
  file: string,
  image: Image,
  options: TarballWriteOptions = {},
): Promise<TarballWriteResult> {
  const info = await lstat(file).catch(() => undefined);
  if (info && (!info.isFile() || !options.force)) {
    throw new MinnowError(
      'OUTPUT_EXISTS',
      info.isFile() ? `${file} exists (use --force to overwrite it)` : `${file} exists and is not a file`,
      { subject: file },
    );
  }
  const { stream, digest } = await tarballStream(image, options.tags ?? []);
  try {
    return await withTempTarget(file, async (tmp) => {
      const out = createWriteStream(tmp);
      await pipeline(stream, out, { signal: options.signal });
      return { path: file, digest, size: out.bytesWritten };
    });
  } catch (err) {
    stream.destroy();
    if (err instanceof MinnowError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (
      code === 'EACCES' ||
      code === 'EROFS' ||
      code === 'ENOENT' ||
      code === 'ENOTDIR' ||
      code === 'EPERM'
    ) {
      throw new MinnowError('OUTPUT_NOT_WRITABLE', `cannot write ${file}: ${(err as Error).message}`, {
        subject: file,
        cause: err,
      });
    }
    throw err;
  }
}
