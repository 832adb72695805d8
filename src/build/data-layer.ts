import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { MinnowError } from '../errors.js';
import { writeLayer, type Addendum, type LayerCompression, type LayerEntry } from '../oci/index.js';

/** Where `--data DIR` lands in the image (ko's kodata lands in /var/run/ko). */
export const DATA_PATH = '/app/data';
/** The environment variable naming it, as ko's KO_DATA_PATH does. */
export const DATA_PATH_ENV = 'MINNOW_DATA_PATH';

export interface DataLayerOptions {
  /** Where the layer blob is written. */
  blobDir: string;
  /** Path in the image. Default /app/data. */
  target?: string;
  /** Entry mtime in seconds. Default SOURCE_DATE_EPOCH, else 0. */
  mtime?: number;
  /** Default gzip level 9 in one stream. */
  compression?: LayerCompression;
  signal?: AbortSignal;
}

export interface DataLayer extends Addendum {
  /** Environment to add to the image config: `MINNOW_DATA_PATH=/app/data`. */
  env: Record<string, string>;
  /** Number of files copied. */
  files: number;
}

const byName = (a: { name: string }, b: { name: string }): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/**
 * The entries for a directory tree under `target`: files read-only (0444, or 0555 when the owner may execute),
 * directories 0555, all owned by root, so the app (uid 65532) can read but never change them. Symlinks are
 * followed when they stay inside `root` and refused (UNSAFE_PATH) when they lead out of it, so nothing else on
 * the build machine can slip into the image.
 */
export async function directoryEntries(root: string, target: string): Promise<LayerEntry[]> {
  const info = await stat(root).catch((err: unknown) => {
    throw new MinnowError('NOT_FOUND', `data directory ${root} does not exist`, {
      subject: root,
      cause: err,
    });
  });
  if (!info.isDirectory())
    throw new MinnowError('INVALID_ARGUMENT', `${root} is not a directory`, { subject: root });
  const realRoot = await realpath(root);
  const out: LayerEntry[] = [{ type: 'directory', path: target, mode: 0o555 }];
  const walk = async (dir: string, into: string): Promise<void> => {
    for (const e of (await readdir(dir, { withFileTypes: true })).sort(byName)) {
      const path = join(dir, e.name);
      const dst = `${into}/${e.name}`;
      let real = path;
      if (e.isSymbolicLink()) {
        real = await realpath(path).catch((err: unknown) => {
          throw new MinnowError('NOT_FOUND', `broken symlink ${path} in data directory`, {
            subject: path,
            cause: err,
          });
        });
        const rel = relative(realRoot, real);
        if (rel === '..' || rel.startsWith(`..${sep}`) || rel.startsWith(sep)) {
          throw new MinnowError('UNSAFE_PATH', `symlink ${path} leads out of the data directory`, {
            subject: path,
            hint: 'copy the file into the directory instead',
          });
        }
      }
      const s = await lstat(real);
      if (s.isDirectory()) {
        if (e.isSymbolicLink()) {
          throw new MinnowError('INVALID_ARGUMENT', `symlink to a directory ${path} in data directory`, {
            subject: path,
          });
        }
        out.push({ type: 'directory', path: dst, mode: 0o555 });
        await walk(path, dst);
      } else if (s.isFile()) {
        out.push({ type: 'file', path: dst, source: real, mode: s.mode & 0o100 ? 0o555 : 0o444 });
      } else {
        throw new MinnowError('INVALID_ARGUMENT', `${path} is not a regular file or directory`, {
          subject: path,
        });
      }
    }
  };
  await walk(root, target.replace(/\/+$/, ''));
  return out;
}

/**
 * A kodata-style layer: the contents of `dir` copied read-only to /app/data, plus `MINNOW_DATA_PATH=/app/data`
 * for the image's environment. Deterministic: sorted entries, fixed modes and owners, one mtime, and a history
 * entry without any host path.
 */
export async function dataLayer(dir: string, options: DataLayerOptions): Promise<DataLayer> {
  const target = options.target ?? DATA_PATH;
  const entries = await directoryEntries(dir, target);
  const written = await writeLayer(entries, {
    blobDir: options.blobDir,
    ...(options.mtime === undefined ? {} : { mtime: options.mtime }),
    ...(options.compression ? { compression: options.compression } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    layer: written.layer,
    history: { created_by: `minnow: --data copied to ${target}`, comment: 'data' },
    env: { [DATA_PATH_ENV]: target },
    files: entries.filter((e) => e.type === 'file').length,
  };
}
