import { createHash } from 'node:crypto';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirs } from './make-dirs.js';
import { GZIP_MEMBER_ENGINE } from './gzip-engine.js';

/** Compressed gzip members by the content they hold, so a rebuild compresses only what changed. */
export interface GzipChunkCache {
  /** The cached member for `chunk` compressed at `level`, checked (see below); undefined on a miss. */
  get(chunk: Buffer, level: number): Promise<Buffer | undefined>;
  set(chunk: Buffer, level: number, member: Buffer): Promise<void>;
}

// The compressor is part of the key: another one may deflate the same bytes differently, and a cache hit must
// give exactly what compressing afresh would.
const keyOf = (chunk: Buffer, level: number): string =>
  createHash('sha256')
    .update(`gzip-member v3 ${GZIP_MEMBER_ENGINE} level ${level}\0`)
    .update(chunk)
    .digest('hex');

/**
 * The key `get` computed for a chunk, for the `set` of the same chunk after a miss: hashing it twice was a tenth
 * of the main thread's work after a large edit. By the Buffer itself: the caller stores the member of the bytes it
 * looked up (parallel-gzip only reads them).
 */
const lastKeys = new WeakMap<Buffer, { level: number; key: string }>();
const rememberedKey = (chunk: Buffer, level: number): string => {
  const known = lastKeys.get(chunk);
  if (known?.level === level) return known.key;
  const key = keyOf(chunk, level);
  lastKeys.set(chunk, { level, key });
  return key;
};

/** How stale a hit's mtime may be before `get` sets it again (the trim's sense of "recently used"). */
const TOUCH_MS = 60 * 60 * 1000;

/** A member's file: the sha256 of the member, then the member. */
const HASH_BYTES = 32;

/**
 * Whether `member` is intact and made from `chunk`: its bytes hash to what was stored with them (a torn or
 * flipped file fails), and its gzip trailer names the chunk's CRC-32 and length (a member of other bytes fails).
 * Checking this way costs a sha256 and a CRC-32, about a tenth of inflating the member again.
 */
function holds(file: Buffer, chunk: Buffer): Buffer | undefined {
  if (file.length < HASH_BYTES + 18) return undefined;
  const member = file.subarray(HASH_BYTES);
  if (!createHash('sha256').update(member).digest().equals(file.subarray(0, HASH_BYTES))) return undefined;
  if (member[0] !== 0x1f || member[1] !== 0x8b) return undefined;
  const end = member.length;
  // node:zlib loads at the first hit, not with every command that imports this module (~5 ms).
  if (member.readUInt32LE(end - 8) !== process.getBuiltinModule('node:zlib').crc32(chunk)) return undefined;
  if (member.readUInt32LE(end - 4) !== chunk.length % 2 ** 32) return undefined;
  return member;
}

/** Members this process has written, for temp file names (module-wide: two caches may share a directory). */
let writes = 0;

/**
 * A chunk cache in a directory (`<dir>/<2 hex>/<64 hex>`). A member is only ever returned after it checked out
 * against the chunk asked for (`holds`), so a damaged cache costs a recompression, never a wrong layer.
 */
export function fileGzipChunkCache(dir: string): GzipChunkCache {
  const pathOf = (key: string): string => join(dir, key.slice(0, 2), key);
  /** The subdirectories made (or found) so far: made once, not for every member. */
  const subdirs = new Map<string, Promise<void>>();
  return {
    async get(chunk, level) {
      const path = pathOf(rememberedKey(chunk, level));
      const handle = await open(path, 'r').catch(() => undefined);
      if (!handle) return undefined;
      try {
        const [info, file] = await Promise.all([handle.stat(), handle.readFile()]);
        const member = holds(file, chunk);
        // Marked as used for the trim (most recently used kept), at most once in TOUCH_MS: a rebuild a minute
        // after the last one need not touch every hit again.
        if (member && Date.now() - info.mtimeMs > TOUCH_MS) {
          const now = new Date();
          await handle.utimes(now, now).catch(() => undefined);
        }
        return member;
      } catch {
        return undefined;
      } finally {
        await handle.close().catch(() => undefined);
      }
    },
    async set(chunk, level, member) {
      const key = rememberedKey(chunk, level);
      const sub = join(dir, key.slice(0, 2));
      // The key names the content, and pid and count the writer: no two writes share a temp file, without the
      // random bytes and the copy of the member that writeFileAtomic takes (~1 % of a cold helm build).
      const tmp = join(sub, `.${key}.${process.pid}-${++writes}.tmp`);
      const hash = createHash('sha256').update(member).digest();
      try {
        let made = subdirs.get(sub);
        if (!made) subdirs.set(sub, (made = makeDirs(sub).then(() => undefined)));
        await made;
        const handle = await open(tmp, 'w');
        try {
          const { bytesWritten } = await handle.writev([hash, member]);
          if (bytesWritten !== hash.length + member.length) throw new Error('short write');
        } finally {
          await handle.close();
        }
        await rename(tmp, join(sub, key));
      } catch {
        // Only a cache: the member is compressed again next time.
        subdirs.delete(sub);
        await rm(tmp, { force: true }).catch(() => undefined);
      }
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
