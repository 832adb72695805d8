import { readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Addendum } from '../oci/index.js';
import { DEFAULT_COMPRESSION, layerCompressionFor, type CompressionChoice } from './compression-choice.js';
import { dataLayer } from './data-layer.js';
import { filesLayer, type ImageFile } from './files-layer.js';
import { findModuleRoot } from '../go/module-root.js';

export interface ExtraContentOptions {
  /** The module root, against which `data` and `files[].src` are resolved. */
  dir: string;
  /** A kodata-style directory for /app/data (relative to `dir`, or absolute). */
  data?: string;
  /** Single files with destinations and modes. */
  files?: readonly ImageFile[];
  /** A directory of this build's own for the layer blobs. */
  workDir: string;
  /** The build's creation time (RFC 3339), recorded in the layers' history. */
  created: string;
  /** Entry mtime in seconds (the same as the binaries' layer). */
  mtime?: number;
  /** Default gzip (level 9 in one stream for these small layers). */
  compression?: CompressionChoice;
  /** minnow's cache directory. */
  cacheDir: string;
  signal?: AbortSignal;
}

export interface ExtraContent {
  /** Layers to append after the app layer: files first, then data. */
  layers: Addendum[];
  /** Environment the content needs (MINNOW_DATA_PATH). */
  env: Record<string, string>;
}

/**
 * The platform-independent content a build adds next to its binaries: `files` as one layer and `data` as
 * another, written once and shared by every platform's image.
 */
export async function extraContent(options: ExtraContentOptions): Promise<ExtraContent> {
  const blobDir = join(options.workDir, 'extra-blobs');
  const common = {
    blobDir,
    ...(options.mtime === undefined ? {} : { mtime: options.mtime }),
    compression: layerCompressionFor(options.compression ?? DEFAULT_COMPRESSION, 'content', options.cacheDir),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const layers: Addendum[] = [];
  let env: Record<string, string> = {};
  if (options.files?.length) {
    // Sources must lie in the module (so a clone has them), which may be above the package's directory.
    const moduleDir = (await findModuleRoot(options.dir)) ?? options.dir;
    const f = await filesLayer(options.files, { moduleDir, ...common });
    layers.push({ ...f, history: { ...f.history, created: options.created } });
  }
  if (options.data) {
    const d = await dataLayer(resolve(options.dir, options.data), common);
    layers.push({ layer: d.layer, history: { ...d.history, created: options.created } });
    env = { ...env, ...d.env };
  }
  await pruneExtraBlobs(
    blobDir,
    await Promise.all(layers.map(async (l) => (await l.layer.digest()).slice(7))),
  );
  return { layers, env };
}

/** Blobs of earlier builds' extra layers older than a minute are removed: the work dir is reused per source. */
async function pruneExtraBlobs(blobDir: string, keep: string[]): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(blobDir).catch(() => [] as string[])) {
    if (keep.includes(name) || name.startsWith('.')) continue;
    const info = await stat(join(blobDir, name)).catch(() => undefined);
    if (info && now - info.mtimeMs > 60_000) await rm(join(blobDir, name), { force: true });
  }
}
