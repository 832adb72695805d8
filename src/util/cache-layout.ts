import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * minnow's cache directory: `$MINNOW_CACHE_DIR`, else `$XDG_CACHE_HOME/minnow`, else `~/.cache/minnow`.
 * Everything kept there is content-addressed or disposable, so deleting it is always safe.
 */
export function minnowCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MINNOW_CACHE_DIR) return env.MINNOW_CACHE_DIR;
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'minnow');
  return join(homedir(), '.cache', 'minnow');
}

/** The top-level names of the cache directory that minnow owns; anything else there is reported as `other`. */
export const CACHE_TOP_LEVEL: readonly string[] = [
  'blobs',
  'layers',
  'refs',
  'gzip-layers',
  'gzip-chunks',
  'build',
  'verified-layers',
  'tools',
  'blob-origins',
];

/** Every path inside minnow's cache directory: the one place they are spelled. */
export interface CacheLayout {
  readonly root: string;
  /**
   * The blob store shared by registry pulls and built-in base layers, shaped like an OCI layout
   * (`<root>/blobs/<algorithm>/<hex>`, see `layoutBlobPath`): this is its root, not its `blobs/` folder.
   */
  readonly blobStore: string;
  /** `blobs/sha256`, where built-in base layers are written. */
  readonly sha256Blobs: string;
  /** Tag → digest answers last seen, for `--offline`. */
  readonly refs: string;
  /** Records naming the built-in bases' layers (`<key>.json` → blob). */
  readonly baseLayerRecords: string;
  /** Plain-tar base layers compressed once: blobs here, named by records in `gzipLayerRecords(variant)`. */
  readonly gzipLayers: string;
  readonly gzipLayerBlobs: string;
  /** Records of compressed base layers, one folder per compressor variant (its output differs by variant). */
  gzipLayerRecords(variant: string): string;
  /** Compressed pieces of app layers (`<2 hex>/<64 hex>`). */
  readonly gzipChunks: string;
  /** One work directory per source built. */
  readonly builds: string;
  /** Marker whose mtime says when old build work directories were last swept. */
  readonly buildsSweptMarker: string;
  /** The go build each command line ran last (`<key>.json`), started ahead by its next run (go/head-start.ts). */
  readonly goHeadStarts: string;
  /** Marker whose mtime says when the cache was last checked against its budget. */
  readonly prunedMarker: string;
  /** Verdicts on base layers (`<digest hex>` holds the diff_id the blob was found to have), see build/verify-base.ts. */
  readonly verifiedLayers: string;
  /** Where blobs were seen on each registry (`<registry>.json`, registry/origins.ts), for cross-repository mounts. */
  readonly blobOrigins: string;
  /** Tools minnow builds for images (`--debug`'s dlv): `tools/<name>/<version>/<platform>/`. */
  readonly tools: string;
  /** Where one build of Delve for one platform (`linux-amd64`) is kept. */
  delve(version: string, platform: string): string;
}

/** The layout of the cache at `root` (default: minnow's cache directory). */
export function cacheLayout(root: string = minnowCacheDir()): CacheLayout {
  const gzipLayers = join(root, 'gzip-layers');
  const builds = join(root, 'build');
  return {
    root,
    blobStore: root,
    sha256Blobs: join(root, 'blobs', 'sha256'),
    refs: join(root, 'refs'),
    baseLayerRecords: join(root, 'layers'),
    gzipLayers,
    gzipLayerBlobs: join(gzipLayers, 'blobs', 'sha256'),
    gzipLayerRecords: (variant) => join(gzipLayers, `records-${variant}`),
    gzipChunks: join(root, 'gzip-chunks'),
    builds,
    buildsSweptMarker: join(builds, '.swept'),
    goHeadStarts: join(builds, '.head-start'),
    prunedMarker: join(root, '.pruned'),
    verifiedLayers: join(root, 'verified-layers'),
    tools: join(root, 'tools'),
    blobOrigins: join(root, 'blob-origins'),
    delve: (version, platform) => join(root, 'tools', 'delve', version, platform),
  };
}
