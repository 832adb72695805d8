import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MinnowError } from '../errors.js';
import { mapLimit } from '../util/map-limit.js';
import {
  artifactTypeOf,
  canonicalJson,
  DigestingStream,
  digestAlgorithm,
  layoutBlobPath,
  MediaType,
  OCI_LAYOUT_FILE,
  parseIndexManifest,
  REF_NAME_ANNOTATION,
  type Artifact,
  type Descriptor,
  type Digest,
  type IndexManifest,
  type Publishable,
} from '../oci/index.js';
import { tempPathFor, withTempTarget, writeFileAtomic } from '../util/atomic.js';
import { allContents, type BlobToWrite } from './blobs.js';
import { withFileLock } from '../util/file-lock.js';
import { makeDirs } from '../util/make-dirs.js';

export interface LayoutWriteOptions {
  /** Tag recorded as `org.opencontainers.image.ref.name` in index.json; an entry with the same tag is replaced. */
  tag?: string;
  /** Overwrite a path that exists but is not an OCI layout. Default false. */
  force?: boolean;
  /**
   * Other index.json entries this write replaces (an earlier SBOM of the same image); entries with the same
   * tag, or with the same digest when there is no tag, are always replaced.
   */
  replaces?: (existing: Descriptor) => boolean;
  signal?: AbortSignal;
}

export interface LayoutWriteResult {
  path: string;
  digest: Digest;
  descriptor: Descriptor;
  /** True when the layout already held this target under this tag and nothing was written. */
  unchanged?: boolean;
  /** The digests of the index.json entries this write replaced (an earlier build under the tag), if any. */
  replaced?: Digest[];
}

async function isLayout(dir: string): Promise<boolean> {
  try {
    const marker = JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8')) as {
      imageLayoutVersion?: unknown;
    };
    return typeof marker.imageLayoutVersion === 'string';
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}

/** Whether the file's bytes hash to `digest`. */
async function hashesTo(path: string, digest: Digest): Promise<boolean> {
  const hasher = new DigestingStream(digestAlgorithm(digest));
  hasher.resume();
  await pipeline(createReadStream(path), hasher);
  return hasher.digest === digest;
}

/** Blobs written to a layout at once. */
const BLOB_WRITES = 4;

/** Copies one blob into the layout unless a blob of the right size is already there; tmp + rename. */
async function writeBlob(dir: string, blob: BlobToWrite, signal?: AbortSignal): Promise<void> {
  const path = layoutBlobPath(dir, blob.descriptor.digest);
  const have = await stat(path).catch(() => undefined);
  // A blob already there is kept only when its bytes hash to its name: a corrupt one is replaced.
  if (have?.isFile() && have.size === blob.descriptor.size && (await hashesTo(path, blob.descriptor.digest)))
    return;
  await makeDirs(dirname(path));
  const tmp = tempPathFor(path);
  try {
    await pipeline(await blob.open(), createWriteStream(tmp), { signal });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Whether index.json already names `root` as the only entry under `tag` (or untagged) and every blob is there at
 * its size: a rebuild where nothing changed then writes nothing. Blobs are checked by size only here; a layout
 * written under another tag re-hashes what it keeps.
 */
async function alreadyHolds(
  dir: string,
  contents: Awaited<ReturnType<typeof allContents>>,
  tag: string | undefined,
): Promise<boolean> {
  let index: IndexManifest;
  try {
    index = parseIndexManifest(await readFile(join(dir, 'index.json')));
  } catch {
    return false;
  }
  const named = index.manifests.filter((d) =>
    tag ? d.annotations?.[REF_NAME_ANNOTATION] === tag : d.digest === contents.root.descriptor.digest,
  );
  if (named.length !== 1 || named[0]?.digest !== contents.root.descriptor.digest) return false;
  const descriptors = [...contents.blobs, ...contents.manifests].map((b) => b.descriptor);
  const sizes = await Promise.all(
    descriptors.map(async (d) => (await stat(layoutBlobPath(dir, d.digest)).catch(() => undefined))?.size),
  );
  return sizes.every((size, i) => size === descriptors[i]?.size);
}

/**
 * What an index.json entry of an artifact carries besides the descriptor, as a referrers response would: its
 * type and annotations, so a reader finds the referrers of an image without opening every manifest.
 */
async function referrerFields(artifact: Artifact): Promise<Partial<Descriptor>> {
  const m = await artifact.manifest();
  return { artifactType: artifactTypeOf(m), ...(m.annotations ? { annotations: m.annotations } : {}) };
}

/** Adds blobs, manifests and the index entry to a layout directory that exists (or is being made). */
async function fill(
  dir: string,
  target: Publishable,
  options: LayoutWriteOptions,
): Promise<LayoutWriteResult> {
  const contents = await allContents(target);
  if (await alreadyHolds(dir, contents, options.tag)) {
    const d = contents.root.descriptor;
    const descriptor = options.tag ? { ...d, annotations: { [REF_NAME_ANNOTATION]: options.tag } } : d;
    return { path: dir, digest: d.digest, descriptor, unchanged: true };
  }
  await writeFileAtomic(join(dir, 'oci-layout'), canonicalJson(OCI_LAYOUT_FILE));
  // Side by side: a blob already there is only read (to check its digest) while a new one is copied.
  await mapLimit(contents.blobs, BLOB_WRITES, (blob) => writeBlob(dir, blob, options.signal));
  for (const m of contents.manifests) {
    await writeBlob(
      dir,
      { descriptor: m.descriptor, open: async () => Readable.from([m.raw]) },
      options.signal,
    );
  }
  const indexPath = join(dir, 'index.json');
  const descriptor: Descriptor = {
    ...contents.root.descriptor,
    ...(target.kind === 'artifact' ? await referrerFields(target.artifact) : {}),
    ...(options.tag ? { annotations: { [REF_NAME_ANNOTATION]: options.tag } } : {}),
  };
  // Read, change and write index.json under a lock: parallel builds into one layout keep every entry.
  const replaced = await withFileLock(indexPath, async () => {
    let index: IndexManifest = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };
    if (await exists(indexPath)) index = parseIndexManifest(await readFile(indexPath));
    const others = index.manifests.filter(
      (d) =>
        !(options.replaces?.(d) ?? false) &&
        (options.tag ? d.annotations?.[REF_NAME_ANNOTATION] !== options.tag : d.digest !== descriptor.digest),
    );
    const kept = new Set(others);
    const gone = index.manifests.filter((d) => !kept.has(d) && d.digest !== descriptor.digest);
    index = { ...index, manifests: [...others, descriptor] };
    await writeFileAtomic(indexPath, canonicalJson(index));
    return [...new Set(gone.map((d) => d.digest))];
  });
  return {
    path: dir,
    digest: descriptor.digest,
    descriptor,
    ...(replaced.length ? { replaced } : {}),
  };
}

/**
 * Removes the index.json entries `drop` picks, under the same lock as writes (their blobs go at the next
 * `gcLayout`). Returns how many were removed; nothing is written when none is.
 */
export async function removeFromLayout(dir: string, drop: (entry: Descriptor) => boolean): Promise<number> {
  const indexPath = join(dir, 'index.json');
  return withFileLock(indexPath, async () => {
    const index = parseIndexManifest(await readFile(indexPath));
    const kept = index.manifests.filter((d) => !drop(d));
    if (kept.length === index.manifests.length) return 0;
    await writeFileAtomic(indexPath, canonicalJson({ ...index, manifests: kept }));
    return index.manifests.length - kept.length;
  });
}

/**
 * Writes an image, index or artifact to an OCI image layout. A new layout is built in a temp directory and renamed into
 * place; an existing layout gets its blobs (each tmp + rename) before index.json is replaced atomically, so a
 * reader never sees an index entry whose blobs are missing. A path that exists and is not a layout is refused
 * with OUTPUT_EXISTS unless `force`.
 */
export async function writeLayout(
  dir: string,
  target: Publishable,
  options: LayoutWriteOptions = {},
): Promise<LayoutWriteResult> {
  const info = await lstat(dir).catch(() => undefined);
  if (info && (await isLayout(dir))) return fill(dir, target, options);
  if (info) {
    const empty = info.isDirectory() && (await readdir(dir)).length === 0;
    if (!empty && !options.force) {
      throw new MinnowError(
        'OUTPUT_EXISTS',
        `${dir} exists and is not an OCI layout (use --force to replace it)`,
        {
          subject: dir,
        },
      );
    }
  }
  try {
    return await withTempTarget(dir, async (tmp) => {
      await makeDirs(tmp);
      const result = await fill(tmp, target, options);
      if (info) await rm(dir, { recursive: true, force: true });
      return { ...result, path: dir };
    });
  } catch (err) {
    if (err instanceof MinnowError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    // Another build created the same new layout first (parallel builds): add this image to it.
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await isLayout(dir)))
      return fill(dir, target, options);
    if (code === 'EACCES' || code === 'EROFS' || code === 'ENOTDIR' || code === 'EPERM') {
      throw new MinnowError('OUTPUT_NOT_WRITABLE', `cannot write ${dir}: ${(err as Error).message}`, {
        subject: dir,
        cause: err,
      });
    }
    throw err;
  }
}
