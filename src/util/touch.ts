import { utimes } from 'node:fs/promises';

/**
 * Marks a cache entry as just used (its mtime becomes now), so pruning the cache removes the least recently used
 * entries first. A read-only cache is no failure: the entry only looks older than it is.
 */
export async function touch(path: string): Promise<void> {
  const now = new Date();
  await utimes(path, now, now).catch(() => undefined);
}
