import { lstat, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { cacheLayout, CACHE_TOP_LEVEL, minnowCacheDir } from './cache-layout.js';

/**
 * The areas of minnow's cache directory:
 * - `registry`: blobs and manifests pulled from registries (`blobs/sha256`), the tags last seen (`refs/`) and
 *   where blobs were seen on each registry (`blob-origins/`);
 * - `base-layers`: the layers of the built-in bases (`blobs/sha256`, named by `layers/*.json`);
 * - `build`: one work directory per source built (`build/`), and the go build each command line ran last
 *   (`build/.head-start/`);
 * - `gzip-chunks`: compressed pieces of app layers (`gzip-chunks/`);
 * - `gzip-layers`: plain-tar base layers compressed once (`gzip-layers/`);
 * - `tools`: tools built for images, such as `--debug`'s dlv (`tools/`), built again when pruned;
 * - `other`: anything else found there (never pruned).
 */
export type CacheAreaName =
  'registry' | 'base-layers' | 'build' | 'gzip-chunks' | 'gzip-layers' | 'tools' | 'other';

export const CACHE_AREAS: readonly CacheAreaName[] = [
  'registry',
  'base-layers',
  'build',
  'gzip-chunks',
  'gzip-layers',
  'tools',
  'other',
];

/** Size and entry count of one area. */
export interface CacheArea {
  name: CacheAreaName;
  /** Bytes of every file in the area, records and temp files included. */
  bytes: number;
  /** Blobs, work directories or chunks: the units pruning removes. */
  entries: number;
}

/** What minnow's cache holds. */
export interface CacheUsage {
  dir: string;
  areas: CacheArea[];
  totalBytes: number;
}

/** One prunable unit: a blob, chunk or work directory, with the records that name it. */
export interface CacheEntry {
  area: CacheAreaName;
  path: string;
  /** Bytes of the entry and of its records. */
  bytes: number;
  /** Last use (mtime: readers touch what they use), in ms since the epoch. */
  usedMs: number;
  /** A temp file of a write in progress, or left by a killed run. */
  temp: boolean;
  /** Records that point at this entry; they are removed before it, so none ever names a missing blob. */
  records: string[];
}

/** Everything in the cache: prunable entries plus bytes that belong to no entry. */
export interface CacheListing {
  dir: string;
  entries: CacheEntry[];
  /** Bytes per area outside any entry (orphan records, markers, unknown files). */
  loose: Map<CacheAreaName, number>;
}

const TEMP_NAME = /^\..+\.minnow-\d+-[0-9a-f]+\.tmp$/;

interface FileInfo {
  path: string;
  name: string;
  bytes: number;
  mtimeMs: number;
}

/** Every regular file under `dir` (not following symlinks); nothing when it does not exist. */
async function walk(dir: string): Promise<FileInfo[]> {
  const out: FileInfo[] = [];
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const path = join(dir, name);
    const st = await lstat(path).catch(() => undefined);
    if (!st) continue;
    if (st.isDirectory() && TEMP_NAME.test(name)) {
      // A directory being filled (atomic.ts withTempTarget): one temp entry, never its files one by one.
      const inner = await walk(path);
      out.push({ path, name, bytes: inner.reduce((n, f) => n + f.bytes, 0), mtimeMs: st.mtimeMs });
    } else if (st.isDirectory()) out.push(...(await walk(path)));
    else out.push({ path, name, bytes: st.size, mtimeMs: st.mtimeMs });
  }
  return out;
}

/** Digest hex → record files naming it, for JSON records with a `digest` field or `.digest` ref files. */
async function recordsByDigest(files: FileInfo[], isRef: boolean): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  for (const f of files) {
    if (TEMP_NAME.test(f.name)) continue;
    const text = await readFile(f.path, 'utf8').catch(() => '');
    let digest: unknown;
    if (isRef) digest = text.trim();
    else {
      try {
        digest = (JSON.parse(text) as { digest?: unknown }).digest;
      } catch {
        continue;
      }
    }
    if (typeof digest !== 'string' || !digest.startsWith('sha256:')) continue;
    const hex = digest.slice('sha256:'.length);
    map.set(hex, [...(map.get(hex) ?? []), f.path]);
  }
  return map;
}

/**
 * Lists a blob directory as entries; records naming a blob are charged to it, the rest stay loose. `areaOf`
 * picks the area of each blob.
 */
function blobEntries(
  blobs: FileInfo[],
  records: Map<string, string[]>,
  recordFiles: FileInfo[],
  areaOf: (hex: string, temp: boolean) => CacheAreaName,
  listing: CacheListing,
  recordArea: (path: string) => CacheAreaName,
): void {
  const sizeOf = new Map(recordFiles.map((f) => [f.path, f.bytes]));
  const charged = new Set<string>();
  for (const b of blobs) {
    const temp = TEMP_NAME.test(b.name);
    const recs = temp ? [] : (records.get(b.name) ?? []);
    for (const r of recs) charged.add(r);
    listing.entries.push({
      area: areaOf(b.name, temp),
      path: b.path,
      bytes: b.bytes + recs.reduce((n, r) => n + (sizeOf.get(r) ?? 0), 0),
      usedMs: b.mtimeMs,
      temp,
      records: recs,
    });
  }
  for (const f of recordFiles) if (!charged.has(f.path)) addLoose(listing, recordArea(f.path), f.bytes);
}

function addLoose(listing: CacheListing, area: CacheAreaName, bytes: number): void {
  listing.loose.set(area, (listing.loose.get(area) ?? 0) + bytes);
}

/** Lists every entry of the cache at `dir` (default: minnow's cache directory). */
export async function listCache(dir: string = minnowCacheDir()): Promise<CacheListing> {
  const listing: CacheListing = { dir, entries: [], loose: new Map() };
  const top = await readdir(dir).catch(() => [] as string[]);
  const layout = cacheLayout(dir);

  // Registry blobs and built-in base layers share blobs/sha256; layers/*.json names the base layers.
  const layerRecords = await walk(layout.baseLayerRecords);
  const refFiles = await walk(layout.refs);
  const byLayer = await recordsByDigest(layerRecords, false);
  const byRef = await recordsByDigest(refFiles, true);
  const shared = new Map([...byRef]);
  for (const [hex, paths] of byLayer) shared.set(hex, [...(shared.get(hex) ?? []), ...paths]);
  blobEntries(
    await walk(join(layout.blobStore, 'blobs')),
    shared,
    [...layerRecords, ...refFiles],
    (hex, temp) => (!temp && byLayer.has(hex) ? 'base-layers' : 'registry'),
    listing,
    (path) => (path.startsWith(layout.baseLayerRecords) ? 'base-layers' : 'registry'),
  );

  // gzip-layers: blobs/sha256/<hex> named by records-*/<diffid>.json.
  const gzRoot = layout.gzipLayers;
  const gzTop = await readdir(gzRoot).catch(() => [] as string[]);
  const gzRecordFiles = (
    await Promise.all(gzTop.filter((n) => n !== 'blobs').map((n) => walk(join(gzRoot, n))))
  ).flat();
  blobEntries(
    await walk(dirname(layout.gzipLayerBlobs)),
    await recordsByDigest(gzRecordFiles, false),
    gzRecordFiles,
    () => 'gzip-layers',
    listing,
    () => 'gzip-layers',
  );

  // gzip-chunks/<2 hex>/<64 hex>: each file an entry.
  for (const f of await walk(layout.gzipChunks)) {
    listing.entries.push({
      area: 'gzip-chunks',
      path: f.path,
      bytes: f.bytes,
      usedMs: f.mtimeMs,
      temp: TEMP_NAME.test(f.name),
      records: [],
    });
  }

  // blob-origins/<registry>.json: where blobs were seen on each registry, each file an entry of the registry area.
  for (const f of await walk(layout.blobOrigins)) {
    listing.entries.push({
      area: 'registry',
      path: f.path,
      bytes: f.bytes,
      usedMs: f.mtimeMs,
      temp: TEMP_NAME.test(f.name),
      records: [],
    });
  }

  // tools/<name>/<version>/<platform>/<binary>: each binary an entry; a GOPATH being built is a temp one.
  for (const f of await walk(layout.tools)) {
    listing.entries.push({
      area: 'tools',
      path: f.path,
      bytes: f.bytes,
      usedMs: f.mtimeMs,
      temp: f.path.includes('/.gopath-'),
      records: [],
    });
  }

  // build/<key>: each work directory one entry, last used when its mtime was set (workdir.ts touches it).
  const buildRoot = layout.builds;
  for (const name of await readdir(buildRoot).catch(() => [] as string[])) {
    const path = join(buildRoot, name);
    const st = await lstat(path).catch(() => undefined);
    if (!st) continue;
    if (path === layout.goHeadStarts && st.isDirectory()) {
      // The head-start memos (go/head-start.ts): each one an entry, last used when the run that read it ended.
      for (const f of await walk(path)) {
        const temp = TEMP_NAME.test(f.name);
        listing.entries.push({
          area: 'build',
          path: f.path,
          bytes: f.bytes,
          usedMs: f.mtimeMs,
          temp,
          records: [],
        });
      }
      continue;
    }
    if (!st.isDirectory() || name.startsWith('.')) {
      addLoose(listing, 'build', st.size);
      continue;
    }
    const files = await walk(path);
    listing.entries.push({
      area: 'build',
      path,
      bytes: files.reduce((n, f) => n + f.bytes, 0),
      usedMs: st.mtimeMs,
      temp: false,
      records: [],
    });
  }

  // The diff_id verdicts of shipped base layers (`verified-layers/<blob hex>`) are records of their blob: charged
  // to it and pruned with it; a verdict whose blob is gone counts as loose bytes of the base layers.
  const verdicts = await walk(cacheLayout(dir).verifiedLayers);
  const byHex = new Map(listing.entries.map((e) => [basename(e.path), e]));
  for (const v of verdicts) {
    const owner = byHex.get(basename(v.path));
    if (owner && !owner.temp) {
      owner.records.push(v.path);
      owner.bytes += v.bytes;
    } else addLoose(listing, 'base-layers', v.bytes);
  }

  const known = new Set(CACHE_TOP_LEVEL);
  for (const name of top) {
    if (known.has(name)) continue;
    const path = join(dir, name);
    const st = await lstat(path).catch(() => undefined);
    if (!st) continue;
    const bytes = st.isDirectory() ? (await walk(path)).reduce((n, f) => n + f.bytes, 0) : st.size;
    addLoose(listing, 'other', bytes);
  }
  return listing;
}

/** Sums a listing per area. */
export function usageOf(listing: CacheListing): CacheUsage {
  const areas = CACHE_AREAS.map((name): CacheArea => {
    const entries = listing.entries.filter((e) => e.area === name && !e.temp);
    const bytes =
      listing.entries.filter((e) => e.area === name).reduce((n, e) => n + e.bytes, 0) +
      (listing.loose.get(name) ?? 0);
    return { name, bytes, entries: entries.length };
  });
  return { dir: listing.dir, areas, totalBytes: areas.reduce((n, a) => n + a.bytes, 0) };
}

/** Reports the size and entry count of each area of the cache at `dir` (default: minnow's cache directory). */
export async function cacheUsage(dir: string = minnowCacheDir()): Promise<CacheUsage> {
  return usageOf(await listCache(dir));
}
