import { createHash } from 'node:crypto';
import { readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { trimGzipChunkCache } from '../util/gzip-chunk-cache.js';
import { makeDirs } from '../util/make-dirs.js';
import { cacheLayout } from '../util/cache-layout.js';

/** Work directories of sources not built for this long are removed. */
const STALE_MS = 7 * 24 * 60 * 60 * 1000;
/** How often the stale sweep runs (it reads every work directory). */
const SWEEP_EVERY_MS = 60 * 60 * 1000;
/** App layer blobs younger than this stay, in case a build running next to this one still uses them. */
const BLOB_GRACE_MS = 60 * 1000;

/**
 * The work directory of one source (module directory + package patterns + the flags that shape its binaries)
 * under `<cacheDir>/build/`: its binaries and app layer live there and are replaced by the next build of the
 * same source, so rebuilding a thousand times keeps one copy. Directories of sources not built for a week are
 * swept (at most hourly).
 */
export async function buildWorkDir(
  cacheDir: string,
  dir: string,
  patterns: string[],
  variant: string[] = [],
): Promise<string> {
  const layout = cacheLayout(cacheDir);
  const root = layout.builds;
  const key = createHash('sha256')
    .update(`${dir}\0${patterns.join('\0')}\0\0${variant.join('\0')}`)
    .digest('hex')
    .slice(0, 20);
  const work = join(root, key);
  await makeDirs(work);
  const now = new Date();
  await utimes(work, now, now);
  const marker = layout.buildsSweptMarker;
  const swept = await stat(marker).catch(() => undefined);
  if (!swept || now.getTime() - swept.mtimeMs > SWEEP_EVERY_MS) {
    await writeFile(marker, '');
    // The work directories of other sources (not the markers and memos: dot names), then the memos.
    await sweepStale(root, now.getTime(), (name) => name.startsWith('.') || name === key);
    await sweepStale(layout.goHeadStarts, now.getTime());
    await trimGzipChunkCache(layout.gzipChunks);
  }
  return work;
}

/** Removes the entries of `dir` (files or directories) not touched for a week, but those `keep` names. */
async function sweepStale(
  dir: string,
  now: number,
  keep: (name: string) => boolean = () => false,
): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (keep(name)) continue;
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info && now - info.mtimeMs > STALE_MS) await rm(join(dir, name), { recursive: true, force: true });
  }
}

/**
 * Temp files (`.NAME.minnow-PID-RAND.tmp`, util/atomic.ts) older than this were left by a run that crashed or was
 * killed: no live write takes this long between writing and renaming a layer.
 */
const STALE_TEMP_MS = 10 * 60 * 1000;
const TEMP_NAME = /^\..+\.minnow-\d+-[0-9a-f]+\.tmp$/;

/**
 * Removes the blobs of earlier builds from an app-layer blob directory, keeping `keep` and recent ones, and the
 * temp files a killed run left there (older than ten minutes).
 */
export async function pruneBlobs(blobDir: string, keep: string): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(blobDir).catch(() => [] as string[])) {
    const temp = TEMP_NAME.test(name);
    if (name === keep || (name.startsWith('.') && !temp)) continue;
    const info = await stat(join(blobDir, name)).catch(() => undefined);
    if (info && now - info.mtimeMs > (temp ? STALE_TEMP_MS : BLOB_GRACE_MS))
      await rm(join(blobDir, name), { recursive: temp, force: true });
  }
}
