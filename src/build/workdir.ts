import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** How long a build's binaries and app layers stay in the cache for callers to use. */
const KEEP_MS = 60 * 60 * 1000;

/**
 * A fresh directory for one build's binaries and app layer under `<cacheDir>/build/`. Directories of earlier
 * builds older than an hour are removed first, so the cache does not grow with every rebuild while a build
 * running next to this one keeps its files.
 */
export async function buildWorkDir(cacheDir: string): Promise<string> {
  const root = join(cacheDir, 'build');
  await mkdir(root, { recursive: true });
  const now = Date.now();
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const path = join(root, name);
    const info = await stat(path).catch(() => undefined);
    if (info && now - info.mtimeMs > KEEP_MS) await rm(path, { recursive: true, force: true });
  }
  const dir = join(root, `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Runs `tasks` with at most `limit` running at once; results in input order. The first failure rejects. */
export async function mapLimit<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
