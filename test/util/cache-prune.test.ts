import { mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import tar from 'tar-stream';
import { cachedLayer } from '../../src/base/layer-cache.js';
import { gzipPlainLayer } from '../../src/build/compress-base.js';
import { digestHex, fileLayer, MediaType, sha256 } from '../../src/oci/index.js';
import { BlobCache } from '../../src/registry/cache.js';
import { tempPathFor, withTempTarget } from '../../src/util/atomic.js';
import { boundCache, cacheBudget, DEFAULT_CACHE_MAX_BYTES, pruneCache } from '../../src/util/cache-prune.js';
import { cacheUsage, listCache } from '../../src/util/cache-usage.js';
import { tempDir } from '../helpers/tmp.js';

const HOUR = 3_600_000;

async function age(path: string, ms: number): Promise<void> {
  const t = new Date(Date.now() - ms);
  await utimes(path, t, t);
}

async function baseLayer(cacheDir: string, text: string): Promise<{ hit: boolean; blob: string }> {
  const got = await cachedLayer([{ type: 'file', path: '/etc/motd', source: Buffer.from(text) }], {
    cacheDir,
    mtime: 0,
  });
  return { hit: got.hit, blob: join(cacheDir, 'blobs', 'sha256', digestHex(await got.layer.digest())) };
}

describe('cache readers touch what they use', () => {
  it('a base layer hit and a registry blob read make the entry recently used', async () => {
    const dir = await tempDir();
    const first = await baseLayer(dir, 'hello');
    expect(first.hit).toBe(false);
    await age(first.blob, 10 * HOUR);
    const again = await baseLayer(dir, 'hello');
    expect(again.hit).toBe(true);
    expect(Date.now() - (await stat(again.blob)).mtimeMs).toBeLessThan(60_000);

    const blobs = new BlobCache(dir);
    const data = Buffer.from('{"schemaVersion":2}');
    const digest = sha256(data);
    await blobs.writeSmall(digest, data);
    await age(blobs.blobPath(digest), 10 * HOUR);
    expect(await blobs.readSmall(digest)).toEqual(data);
    expect(Date.now() - (await stat(blobs.blobPath(digest))).mtimeMs).toBeLessThan(60_000);
  });
});

describe('pruneCache', () => {
  it('removes a base layer and its record together, and the next use makes it again', async () => {
    const dir = await tempDir();
    const { blob } = await baseLayer(dir, 'base one');
    await age(blob, 48 * HOUR);
    const result = await pruneCache({ dir, olderThanDays: 1 });
    expect(result.removed.map((r) => r.path)).toEqual([blob]);
    expect(await readdir(join(dir, 'layers'))).toEqual([]);
    const again = await baseLayer(dir, 'base one');
    expect(again.hit).toBe(false);
    expect(again.blob).toBe(blob);
  });

  it('leaves temp files of writes in progress alone, even with all, and removes stale ones', async () => {
    const dir = await tempDir();
    const { blob } = await baseLayer(dir, 'temp test');
    const fresh = tempPathFor(join(dir, 'blobs', 'sha256', 'a'.repeat(64)));
    const stale = tempPathFor(join(dir, 'blobs', 'sha256', 'b'.repeat(64)));
    await writeFile(fresh, 'being written');
    await writeFile(stale, 'left by a killed run');
    await age(stale, HOUR);
    await age(blob, HOUR);
    const dry = await pruneCache({ dir, all: true, dryRun: true });
    expect(dry.removed.map((r) => r.path).sort()).toEqual([blob, stale].sort());
    await expect(stat(stale)).resolves.toBeDefined();
    await pruneCache({ dir, all: true });
    await expect(stat(fresh)).resolves.toBeDefined();
    await expect(stat(stale)).rejects.toThrow();
    await expect(stat(blob)).rejects.toThrow();
  });

  it('leaves a directory being filled alone, files and all', async () => {
    const dir = await tempDir();
    const target = join(dir, 'blobs', 'sha256', 'c'.repeat(64));
    await withTempTarget(target, async (tmp) => {
      await mkdir(tmp);
      await writeFile(join(tmp, 'part'), 'half written');
      await age(join(tmp, 'part'), 2 * HOUR);
      const result = await pruneCache({ dir, all: true });
      expect(result.removed.map((r) => r.path)).not.toContain(join(tmp, 'part'));
      await expect(stat(join(tmp, 'part'))).resolves.toBeDefined();
    });
    await expect(stat(join(target, 'part'))).resolves.toBeDefined();
  });

  it('keeps entries used in the last minutes even when over --max-size', async () => {
    const dir = await tempDir();
    const { blob } = await baseLayer(dir, 'in use');
    const result = await pruneCache({ dir, maxBytes: 0 });
    expect(result.removed).toEqual([]);
    await expect(stat(blob)).resolves.toBeDefined();
  });
});

describe('gzip-layers', () => {
  it('counts a compressed base layer and prunes it with its record; the next use compresses again', async () => {
    const dir = await tempDir();
    const pack = tar.pack();
    pack.entry({ name: 'etc/motd', mode: 0o644, mtime: new Date(0) }, 'hello\n'.repeat(1000));
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(c as Buffer);
    const data = Buffer.concat(chunks);
    const digest = sha256(data);
    await writeFile(join(dir, 'plain.tar'), data);
    const layer = fileLayer(join(dir, 'plain.tar'), {
      digest,
      diffId: digest,
      size: data.length,
      mediaType: MediaType.OciLayer,
    });
    const cacheDir = join(dir, 'cache');
    const gz = await gzipPlainLayer(layer, { cacheDir });
    if (!gz) throw new Error('expected a gzip layer');
    const blob = join(cacheDir, 'gzip-layers', 'blobs', 'sha256', digestHex(await gz.layer.digest()));
    const { entries } = await listCache(cacheDir);
    // Two records name the blob: the gzip record by diff_id and the diff_id verdict of the shipped layer.
    expect(entries.map((e) => [e.area, e.path, e.records.length])).toEqual([['gzip-layers', blob, 2]]);
    const usage = await cacheUsage(cacheDir);
    expect(usage.areas.find((a) => a.name === 'gzip-layers')?.entries).toBe(1);
    expect(usage.totalBytes).toBe(entries[0]!.bytes);
    await age(blob, 3 * HOUR);
    await pruneCache({ dir: cacheDir, olderThanDays: 0.1 });
    expect((await cacheUsage(cacheDir)).totalBytes).toBe(0);
    const again = await gzipPlainLayer(layer, { cacheDir });
    expect(await again?.layer.digest()).toBe(await gz.layer.digest());
    await expect(stat(blob)).resolves.toBeDefined();
  });
});

describe('boundCache', () => {
  it('prunes down to the budget at most hourly', async () => {
    const dir = await tempDir();
    const a = await baseLayer(dir, 'first layer');
    const b = await baseLayer(dir, 'second layer, used later');
    await age(a.blob, 3 * HOUR);
    await age(b.blob, 2 * HOUR);
    const total = (await cacheUsage(dir)).totalBytes;
    // The first call only starts the clock: a cache without the marker is one the command just made.
    expect(await boundCache(dir, 0)).toBeUndefined();
    await expect(stat(b.blob)).resolves.toBeDefined();
    await age(join(dir, '.pruned'), 2 * HOUR);
    const result = await boundCache(dir, total - 1);
    expect(result?.removed.map((r) => r.path)).toEqual([a.blob]);
    await expect(stat(b.blob)).resolves.toBeDefined();
    // Checked a moment ago: the next call does not walk the cache, however far over budget it is.
    expect(await boundCache(dir, 0)).toBeUndefined();
    await expect(stat(b.blob)).resolves.toBeDefined();
    await age(join(dir, '.pruned'), 2 * HOUR);
    expect((await boundCache(dir, 0))?.removed.map((r) => r.path)).toEqual([b.blob]);
  });

  it('runs after a CLI command, within MINNOW_CACHE_MAX', async () => {
    const dir = await tempDir();
    const old = await baseLayer(dir, 'an old base layer');
    await age(old.blob, 3 * HOUR);
    await writeFile(join(dir, '.pruned'), '');
    await age(join(dir, '.pruned'), 2 * HOUR);
    const bin = new URL('../../bin/minnow.cjs', import.meta.url).pathname;
    const { execFile } = await import('node:child_process');
    await new Promise<void>((resolve, reject) =>
      execFile(
        process.execPath,
        [bin, 'lint', '--list-rules'],
        { env: { ...process.env, MINNOW_CACHE_DIR: dir, MINNOW_CACHE_MAX: '1' } },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
    await expect(stat(old.blob)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('takes its budget from MINNOW_CACHE_MAX', () => {
    expect(cacheBudget({})).toBe(DEFAULT_CACHE_MAX_BYTES);
    expect(cacheBudget({ MINNOW_CACHE_MAX: '2GB' })).toBe(2e9);
    expect(cacheBudget({ MINNOW_CACHE_MAX: '512MiB' })).toBe(512 * 1024 ** 2);
    expect(cacheBudget({ MINNOW_CACHE_MAX: '0' })).toBeUndefined();
    expect(cacheBudget({ MINNOW_CACHE_MAX: 'huge' })).toBe(DEFAULT_CACHE_MAX_BYTES);
  });
});
