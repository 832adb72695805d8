import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheLayout } from '../../src/util/cache-layout.js';
import { pruneCache } from '../../src/util/cache-prune.js';
import { cacheUsage, listCache } from '../../src/util/cache-usage.js';
import { tempDir } from '../helpers/tmp.js';

describe('the tools area of the cache (--debug’s dlv)', () => {
  it('counts each built tool as an entry, a GOPATH being built as temp, and prune --all removes the tools', async () => {
    const dir = await tempDir();
    const delve = cacheLayout(dir).delve('v1.27.2', 'linux-arm64');
    await mkdir(join(delve, '.gopath-abc', 'pkg'), { recursive: true });
    await writeFile(join(delve, 'dlv'), Buffer.alloc(1000));
    await writeFile(join(delve, '.gopath-abc', 'pkg', 'x'), Buffer.alloc(10));
    const entries = (await listCache(dir)).entries.filter((e) => e.area === 'tools');
    expect(entries.map((e) => [e.path, e.temp])).toEqual([
      [join(delve, '.gopath-abc', 'pkg', 'x'), true],
      [join(delve, 'dlv'), false],
    ]);
    const usage = await cacheUsage(dir);
    expect(usage.areas.find((a) => a.name === 'tools')).toEqual({ name: 'tools', bytes: 1010, entries: 1 });
    expect(usage.areas.find((a) => a.name === 'other')?.bytes).toBe(0);
    const pruned = await pruneCache({ dir, all: true, now: Date.now() + 3_600_000 });
    expect(pruned.removed.map((r) => r.path)).toContain(join(delve, 'dlv'));
  });
});
