import { cp, lstat, readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushImage } from '../../../src/publish/registry.js';
import { listCache } from '../../../src/util/cache-usage.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { tempDir } from '../../helpers/tmp.js';
import { alpineIndex } from '../../registry/fixtures.js';
import { cli } from '../../helpers/cli.js';

const HELLO = join(import.meta.dirname, '..', '..', '..', 'examples', 'hello');

/** Every regular file under `dir` with its size, as `du -b` would count them. */
async function files(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    const st = await lstat(path);
    if (st.isDirectory()) for (const [p, n] of await files(path)) out.set(p, n);
    else out.set(path, st.size);
  }
  return out;
}

const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

interface Usage {
  dir: string;
  totalBytes: number;
  areas: { name: string; bytes: number; entries: number }[];
}

describe('minnow cache', () => {
  let reg: TestRegistry;
  let dir: string;
  let cache: string;
  let app: string;
  let base: string;
  const saved = { cache: process.env.MINNOW_CACHE_DIR, max: process.env.MINNOW_CACHE_MAX };

  const buildOn = async (spec: string, out: string): Promise<void> => {
    const res = await cli(['build', app, '--base', spec, '-o', `oci:${join(dir, out)}`]);
    expect(res.err).not.toContain('error');
    expect(res.status).toBe(0);
  };
  const info = async (): Promise<Usage> => {
    const res = await cli(['cache', 'info', '--json']);
    expect(res.status).toBe(0);
    return JSON.parse(res.out) as Usage;
  };
  const area = (u: Usage, name: string): { bytes: number; entries: number } =>
    u.areas.find((a) => a.name === name) ?? { bytes: -1, entries: -1 };

  beforeAll(async () => {
    reg = await startRegistry();
    dir = await tempDir();
    cache = join(dir, 'cache');
    process.env.MINNOW_CACHE_DIR = cache;
    // The automatic bound is tested in test/util; here only the command prunes.
    process.env.MINNOW_CACHE_MAX = '0';
    app = join(dir, 'hello');
    await cp(HELLO, app, { recursive: true });
    base = `${reg.host}/minnow-test-cache/alpine:3.19`;
    await pushImage(base, { kind: 'index', index: await alpineIndex() });
    await buildOn('static', 'out-static');
    await buildOn(base, 'out-alpine');
  }, 300_000);
  afterAll(async () => {
    for (const [k, v] of [
      ['MINNOW_CACHE_DIR', saved.cache],
      ['MINNOW_CACHE_MAX', saved.max],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await reg?.stop();
  });

  it('info reports every area and a total that matches the bytes on disk', async () => {
    const usage = await info();
    expect(usage.dir).toBe(cache);
    expect(usage.totalBytes).toBe(sum(await files(cache)));
    expect(usage.areas.reduce((n, a) => n + a.bytes, 0)).toBe(usage.totalBytes);
    // alpine's index, manifest, config and layer came from the registry.
    expect(area(usage, 'registry').entries).toBeGreaterThanOrEqual(4);
    expect(area(usage, 'registry').bytes).toBeGreaterThan(3_000_000);
    expect(area(usage, 'base-layers').entries).toBeGreaterThanOrEqual(1);
    // One source built twice (the base is not part of the work directory's key): one work directory, and the
    // go build each of the two command lines ran, for its next run (go/head-start.ts).
    expect(area(usage, 'build').entries).toBe(3);
    const memos = await readdir(join(cache, 'build', '.head-start'));
    expect(memos.filter((n) => n.endsWith('.json'))).toHaveLength(2);
    // The build area is the work directory and the sweep marker, counted like du.
    expect(area(usage, 'build').bytes).toBe(sum(await files(join(cache, 'build'))));
    const text = await cli(['cache', 'info']);
    expect(text.out).toContain(cache);
    expect(text.out).toMatch(/registry\s+\d/);
  });

  it('--dry-run reports what it would free and deletes nothing', async () => {
    const before = await files(cache);
    const res = await cli(['cache', 'prune', '--older-than', '0d', '--dry-run', '--json']);
    expect(res.status).toBe(0);
    const result = JSON.parse(res.out) as { freedBytes: number; removed: unknown[]; dryRun: boolean };
    expect(result.dryRun).toBe(true);
    // Everything was used in the last minutes, so it counts as in use: even --older-than 0d keeps it.
    expect(result.removed).toEqual([]);
    const all = await cli(['cache', 'prune', '--all', '--dry-run']);
    expect(all.status).toBe(0);
    expect(all.out).toMatch(/^would free [\d.]+ [kMG]?B \(\d+ entries\)/);
    expect(all.out).not.toMatch(/would free 0 B/);
    expect(await files(cache)).toEqual(before);
  });

  it('--max-size removes the least recently used entries first, records before blobs', async () => {
    const { entries } = await listCache(cache);
    const now = Date.now();
    // Give every entry a distinct last use, hours apart, in an order unrelated to how they were made.
    const order = [...entries].sort((a, b) => a.path.localeCompare(b.path));
    for (const [i, e] of order.entries()) {
      const t = new Date(now - (order.length - i) * 3_600_000);
      await utimes(e.path, t, t);
    }
    const total = sum(await files(cache));
    const oldest = order.slice(0, 3);
    const maxBytes = total - oldest.reduce((n, e) => n + e.bytes, 0);
    const res = await cli(['cache', 'prune', '--max-size', String(maxBytes), '--json']);
    expect(res.status).toBe(0);
    const result = JSON.parse(res.out) as { removed: { path: string }[]; freedBytes: number };
    expect(result.removed.map((r) => r.path)).toEqual(oldest.map((e) => e.path));
    const left = await files(cache);
    expect(sum(left)).toBeLessThanOrEqual(maxBytes);
    expect(total - sum(left)).toBe(result.freedBytes);
    for (const e of oldest) {
      await expect(lstat(e.path)).rejects.toThrow();
      for (const r of e.records) expect(left.has(r)).toBe(false);
    }
    for (const e of order.slice(3)) await expect(lstat(e.path)).resolves.toBeDefined();
  });

  it('a build after prune --all works: registry blobs are downloaded again, base layers made again', async () => {
    const { entries } = await listCache(cache);
    const old = new Date(Date.now() - 86_400_000);
    for (const e of entries) await utimes(e.path, old, old);
    const res = await cli(['cache', 'prune', '--all']);
    expect(res.status).toBe(0);
    expect(res.out).toMatch(/^freed /);
    // What was freed, per area.
    expect(res.out).toMatch(/\n {2}registry +[\d.]+ [kMG]?B +\d+ entries/);
    expect(res.out).toMatch(/\n {2}build +[\d.]+ [kMG]?B +3 entries/);
    const empty = await info();
    for (const name of ['registry', 'base-layers', 'build', 'gzip-chunks'])
      expect(area(empty, name).entries).toBe(0);
    await buildOn(base, 'out-alpine-2');
    await buildOn('static', 'out-static-2');
    const usage = await info();
    expect(area(usage, 'registry').entries).toBeGreaterThanOrEqual(4);
    expect(area(usage, 'base-layers').entries).toBeGreaterThanOrEqual(1);
    expect(usage.totalBytes).toBe(sum(await files(cache)));
  }, 300_000);

  it('bad sizes and ages give one clear line and exit 2', async () => {
    for (const args of [['--max-size', 'lots'], ['--max-size', '2TB'], ['--older-than', '30x'], []]) {
      const res = await cli(['cache', 'prune', ...args]);
      expect(res.status).toBe(2);
      expect(res.err.trim().split('\n')).toHaveLength(1);
      expect(res.err).toMatch(/invalid size|invalid age|needs --max-size/);
    }
  });
});
