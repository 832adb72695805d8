import { rm, stat, writeFile } from 'node:fs/promises';
import { parseSize } from './size.js';
import { cacheLayout, minnowCacheDir } from './cache-layout.js';
import { listCache, usageOf, type CacheAreaName, type CacheEntry, type CacheUsage } from './cache-usage.js';

/** Temp files younger than this may belong to a write in progress (atomic.ts renames them when done). */
const TEMP_IN_USE_MS = 10 * 60 * 1000;
/** Entries used this recently may be read by a build running now: size- and age-based pruning keeps them. */
const RECENT_MS = 5 * 60 * 1000;
/** The automatic bound walks the cache at most this often. */
const CHECK_EVERY_MS = 60 * 60 * 1000;
/** Default budget of the automatic bound: 5 GB. */
export const DEFAULT_CACHE_MAX_BYTES = 5e9;

export interface PruneOptions {
  /** Cache directory. Default: minnow's cache directory. */
  dir?: string;
  /** Remove least recently used entries until the cache is at most this big. */
  maxBytes?: number;
  /** Remove entries not used for this many days. */
  olderThanDays?: number;
  /** Remove every entry (temp files of writes in progress and work directories in use excepted). */
  all?: boolean;
  /** Only report what would be removed. Default false. */
  dryRun?: boolean;
  /** Current time in ms (for tests). Default `Date.now()`. */
  now?: number;
}

/** What a prune removed (or, with dryRun, would remove). */
export interface PruneResult {
  before: CacheUsage;
  after: CacheUsage;
  removed: { area: CacheAreaName; path: string; bytes: number }[];
  freedBytes: number;
  dryRun: boolean;
}

/** True when deleting the entry could break a write or a build in progress. */
function inUse(e: CacheEntry, now: number, all: boolean): boolean {
  const age = now - e.usedMs;
  if (e.temp) return age < TEMP_IN_USE_MS;
  if (e.area === 'build' || !all) return age < RECENT_MS;
  return false;
}

/**
 * Prunes minnow's cache: stale temp files, then entries older than `olderThanDays`, then least recently used
 * entries until the cache fits `maxBytes` (or everything, with `all`). Records naming a blob are removed before
 * the blob, and every reader treats a missing blob as a miss (downloaded or made again), so pruning never breaks
 * a later build. Temp files of writes in progress and entries used in the last few minutes are left alone.
 */
export async function pruneCache(options: PruneOptions = {}): Promise<PruneResult> {
  const dir = options.dir ?? minnowCacheDir();
  const now = options.now ?? Date.now();
  const all = options.all ?? false;
  const dryRun = options.dryRun ?? false;
  const listing = await listCache(dir);
  const before = usageOf(listing);
  const candidates = listing.entries.filter((e) => !inUse(e, now, all)).sort((a, b) => a.usedMs - b.usedMs);
  const doomed = new Set<CacheEntry>();
  const cutoff = options.olderThanDays === undefined ? undefined : now - options.olderThanDays * 86_400_000;
  for (const e of candidates) {
    if (all || e.temp || (cutoff !== undefined && e.usedMs < cutoff)) doomed.add(e);
  }
  if (options.maxBytes !== undefined) {
    let total = before.totalBytes - [...doomed].reduce((n, e) => n + e.bytes, 0);
    for (const e of candidates) {
      if (total <= options.maxBytes) break;
      if (doomed.has(e)) continue;
      doomed.add(e);
      total -= e.bytes;
    }
  }
  const removed: PruneResult['removed'] = [];
  for (const e of candidates.filter((c) => doomed.has(c))) {
    if (!dryRun) {
      for (const r of e.records) await rm(r, { force: true });
      await rm(e.path, { recursive: true, force: true });
    }
    removed.push({ area: e.area, path: e.path, bytes: e.bytes });
  }
  const freedBytes = removed.reduce((n, r) => n + r.bytes, 0);
  const after = dryRun ? before : usageOf(await listCache(dir));
  return { before, after, removed, freedBytes, dryRun };
}

/**
 * The automatic budget: `$MINNOW_CACHE_MAX` (a size such as `2GB`, as `--max-size` takes; `0` turns the bound
 * off), else 5 GB. A value that is not a size is ignored: a build does not fail over its cache.
 */
export function cacheBudget(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = env.MINNOW_CACHE_MAX?.trim();
  if (!v) return DEFAULT_CACHE_MAX_BYTES;
  let n: number;
  try {
    n = parseSize(v);
  } catch {
    return DEFAULT_CACHE_MAX_BYTES;
  }
  return n === 0 ? undefined : n;
}

/**
 * Keeps the cache within its budget (see {@link cacheBudget}): at most hourly (a marker file's mtime says when it
 * last looked; the first look comes an hour after the marker is made), walks the cache and, when it is over
 * budget, prunes least recently used entries down to it. Cheap on the hot path: between checks it costs one stat.
 * Never throws: a cache that cannot be pruned only stays big.
 */
export async function boundCache(
  dir: string = minnowCacheDir(),
  budget: number | undefined = cacheBudget(),
): Promise<PruneResult | undefined> {
  if (budget === undefined) return undefined;
  try {
    const marker = cacheLayout(dir).prunedMarker;
    const last = await stat(marker).catch(() => undefined);
    if (last && Date.now() - last.mtimeMs < CHECK_EVERY_MS) return undefined;
    await writeFile(marker, '');
    // No marker: a cache this check has not seen, nearly always one the command just made (a first build),
    // far under any budget. Its clock starts now; walking it would only delay the command's exit.
    if (!last) return undefined;
    return await pruneCache({ dir, maxBytes: budget });
  } catch {
    return undefined;
  }
}
