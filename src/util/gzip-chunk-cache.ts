import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeFileAtomic } from './atomic.js';

/** Compressed gzip members by the content they hold, so a rebuild compresses only what changed. */
export interface GzipChunkCache {
  /** The cached member for `chunk` compressed at `level`, checked by inflating it; undefined on a miss. */
  get(chunk: Buffer, level: number): Promise<Buffer | undefined>;
  set(chunk: Buffer, level: number, member: Buffer): Promise<void>;
}

// zlib's version is part of the key: another zlib may deflate the same bytes differently, and a cache hit must
// give exactly what compressing afresh would.
const keyOf = (chunk: Buffer, level: number): string =>
  createHash('sha256')
    .update(`gzip-member v1 zlib ${process.versions.zlib} level ${level}\0`)
    .update(chunk)
    .digest('hex');

/**
 * A chunk cache in a directory (`<dir>/<2 hex>/<64 hex>`). A member is only ever returned after it inflated to
 * exactly the chunk asked for, so a damaged cache costs a recompression, never a wrong layer.
 */
export function fileGzipChunkCache(dir: string): GzipChunkCache {
  const pathOf = (key: string): string => join(dir, key.slice(0, 2), key);
  return {
    async get(chunk, level) {
      const path = pathOf(keyOf(chunk, level));
      const member = await readFile(path).catch(() => undefined);
      if (!member) return undefined;
      try {
        if (!gunzipSync(member).equals(chunk)) return undefined;
      } catch {
        return undefined;
      }
      const now = new Date();
      await utimes(path, now, now).catch(() => undefined);
      return member;
    },
    async set(chunk, level, member) {
      await writeFileAtomic(pathOf(keyOf(chunk, level)), member).catch(() => undefined);
    },
  };
}

/** Keeps the `max` most recently used members of a chunk cache directory and removes the rest. */
export async function trimGzipChunkCache(dir: string, max = 2000): Promise<void> {
  const files: { path: string; used: number }[] = [];
  for (const sub of await readdir(dir).catch(() => [] as string[])) {
    for (const name of await readdir(join(dir, sub)).catch(() => [] as string[])) {
      const path = join(dir, sub, name);
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile()) files.push({ path, used: info.mtimeMs });
    }
  }
  if (files.length <= max) return;
  files.sort((a, b) => b.used - a.used);
  for (const f of files.slice(max)) await rm(f.path, { force: true });
}
