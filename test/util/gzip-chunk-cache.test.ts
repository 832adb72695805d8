import { randomBytes } from 'node:crypto';
import { copyFile, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { fileGzipChunkCache, trimGzipChunkCache } from '../../src/util/gzip-chunk-cache.js';
import { gzipMember } from '../../src/util/gzip-member.js';
import { createParallelGzip } from '../../src/util/parallel-gzip.js';
import { tempDir } from '../helpers/tmp.js';

const gz = (data: Buffer, cache?: ReturnType<typeof fileGzipChunkCache>): Promise<Buffer> =>
  buffer(
    Readable.from([data]).pipe(createParallelGzip({ chunkSize: 32 * 1024, ...(cache ? { cache } : {}) })),
  );

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const sub of await readdir(dir))
    for (const f of await readdir(join(dir, sub))) out.push(join(dir, sub, f));
  return out;
}

describe('gzip chunk cache', () => {
  it('gives exactly the bytes a fresh compression gives, cold and warm, and after an edit', async () => {
    const dir = await tempDir();
    const cache = fileGzipChunkCache(dir);
    const data = randomBytes(200_000);
    const fresh = await gz(data);
    expect((await gz(data, cache)).equals(fresh)).toBe(true);
    const stored = (await files(dir)).length;
    expect(stored).toBe(Math.ceil(data.length / (32 * 1024)));
    expect((await gz(data, cache)).equals(fresh)).toBe(true);
    const edited = Buffer.from(data);
    // Flipped, not set: random data holds the value set 1 time in 256, and then nothing changed.
    edited[150_000] = (edited[150_000] as number) ^ 0xff;
    expect((await gz(edited, cache)).equals(await gz(edited))).toBe(true);
    expect((await files(dir)).length).toBe(stored + 1);
  });

  it('never returns a damaged member: it recompresses instead', async () => {
    const dir = await tempDir();
    const cache = fileGzipChunkCache(dir);
    const data = randomBytes(40_000);
    const fresh = await gz(data, cache);
    for (const f of await files(dir)) await writeFile(f, Buffer.from('garbage'));
    expect((await gz(data, cache)).equals(fresh)).toBe(true);
  });

  it('refuses a member with one flipped byte, and a sound member of other bytes put in its place', async () => {
    const dir = await tempDir();
    const cache = fileGzipChunkCache(dir);
    const data = randomBytes(64 * 1024);
    const fresh = await gz(data, cache);
    const [first, second] = (await files(dir)).sort() as [string, string];
    const original = await readFile(first);
    const flipped = Buffer.from(original);
    flipped[flipped.length - 20] = (flipped[flipped.length - 20] as number) ^ 1;
    await writeFile(first, flipped);
    expect((await gz(data, cache)).equals(fresh)).toBe(true);
    // Compressed again and stored again: the flipped file was not used.
    expect((await readFile(first)).equals(original)).toBe(true);
    // The other chunk's file is intact (its hash checks) but holds other bytes: its trailer gives it away.
    await copyFile(second, first);
    expect((await gz(data, cache)).equals(fresh)).toBe(true);
    expect((await readFile(first)).equals(original)).toBe(true);
  });

  it('stores a miss under the key its lookup used, and a buffer changed in between is never served', async () => {
    const dir = await tempDir();
    const cache = fileGzipChunkCache(dir);
    const chunk = randomBytes(50_000);
    expect(await cache.get(chunk, 6)).toBeUndefined();
    const member = gzipMember(chunk, 6);
    await cache.set(chunk, 6, member);
    // Found by content, from another buffer with the same bytes.
    expect((await cache.get(Buffer.from(chunk), 6))?.equals(member)).toBe(true);
    // A caller that reuses a buffer for other bytes between get and set stores a member the next lookup refuses.
    const reused = randomBytes(50_000);
    const original = Buffer.from(reused);
    expect(await cache.get(reused, 6)).toBeUndefined();
    reused.fill(7);
    await cache.set(reused, 6, gzipMember(reused, 6));
    expect(await cache.get(original, 6)).toBeUndefined();
  });

  it('marks a hit as used when its last use is over an hour old, and leaves a recent one as it is', async () => {
    const dir = await tempDir();
    const cache = fileGzipChunkCache(dir);
    const [stale, recent] = [randomBytes(40_000), randomBytes(40_000)];
    await cache.set(stale, 6, gzipMember(stale, 6));
    const [staleFile] = await files(dir);
    await cache.set(recent, 6, gzipMember(recent, 6));
    const recentFile = (await files(dir)).find((f) => f !== staleFile) as string;
    const [twoHoursAgo, tenMinutesAgo] = [Date.now() - 7_200_000, Date.now() - 600_000];
    await utimes(staleFile as string, new Date(twoHoursAgo), new Date(twoHoursAgo));
    await utimes(recentFile, new Date(tenMinutesAgo), new Date(tenMinutesAgo));
    expect((await cache.get(stale, 6))?.equals(gzipMember(stale, 6))).toBe(true);
    expect((await cache.get(recent, 6))?.equals(gzipMember(recent, 6))).toBe(true);
    expect((await stat(staleFile as string)).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
    expect(Math.round((await stat(recentFile)).mtimeMs)).toBe(Math.round(tenMinutesAgo));
  });

  it('trims to the most recently used members', async () => {
    const dir = await tempDir();
    const cache = fileGzipChunkCache(dir);
    await gz(randomBytes(32 * 1024 * 5), cache);
    const all = await files(dir);
    const old = new Date(Date.now() - 3_600_000);
    for (const f of all.slice(0, 3)) await utimes(f, old, old);
    await trimGzipChunkCache(dir, 2);
    expect((await files(dir)).sort()).toEqual(all.slice(3).sort());
  });
});
