import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { MinnowError } from '../errors.js';
import { writeLayer, type Addendum, type LayerCompression, type LayerEntry } from '../oci/index.js';

/** A file copied into the image (minnow.yaml `files:`). */
export interface ImageFile {
  /** Path on disk, relative to the module root. */
  src: string;
  /** Absolute path in the image. */
  dst: string;
  /** Octal string ("0755") or number; default 0444. */
  mode?: string | number;
}

/** Parses a `files[].mode` value (octal string or number) to permission bits; default 0o444. */
export function fileModeOf(mode: string | number | undefined): number {
  if (mode === undefined) return 0o444;
  return typeof mode === 'number' ? mode : parseInt(mode, 8);
}

export interface FilesLayerOptions {
  /** The module root: every `src` is relative to it and must stay inside it. */
  moduleDir: string;
  blobDir: string;
  /** Entry mtime in seconds. Default SOURCE_DATE_EPOCH, else 0. */
  mtime?: number;
  /** Default gzip level 9 in one stream. */
  compression?: LayerCompression;
  signal?: AbortSignal;
}

/**
 * The `files:` entries of minnow.yaml as one layer: each `src` (inside the module, so a clone of the repository
 * builds the same image) copied to its `dst` with its mode (default 0444), owned by root.
 */
export async function filesLayer(files: readonly ImageFile[], options: FilesLayerOptions): Promise<Addendum> {
  const root = await realpath(options.moduleDir);
  const entries: LayerEntry[] = [];
  for (const f of files) {
    const src = await realpath(resolve(options.moduleDir, f.src)).catch((err: unknown) => {
      throw new MinnowError('NOT_FOUND', `file ${f.src} (for ${f.dst}) does not exist`, {
        subject: f.src,
        cause: err,
      });
    });
    const rel = relative(root, src);
    if (rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
      throw new MinnowError('UNSAFE_PATH', `file ${f.src} is outside the module`, {
        subject: f.src,
        hint: 'extra files must live in the module so every clone builds the same image',
      });
    }
    if (!(await stat(src)).isFile()) {
      throw new MinnowError('INVALID_ARGUMENT', `${f.src} is not a regular file`, { subject: f.src });
    }
    entries.push({ type: 'file', path: f.dst, source: src, mode: fileModeOf(f.mode) });
  }
  const written = await writeLayer(entries, {
    blobDir: options.blobDir,
    ...(options.mtime === undefined ? {} : { mtime: options.mtime }),
    ...(options.compression ? { compression: options.compression } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    layer: written.layer,
    history: { created_by: `minnow: ${files.length} extra file(s)`, comment: 'files' },
  };
}
