import { readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256, type Digest } from '../../src/oci/digest.js';
import { BlobOrigins } from '../../src/registry/origins.js';
import { tempDir } from '../helpers/tmp.js';

const digest = (i: number): Digest => sha256(Buffer.from(`blob ${i}`));
const REG = '127.0.0.1:5000';
const file = (dir: string): string => join(dir, `${encodeURIComponent(REG)}.json`);

/** A new process's view: what `dir` holds for REG once loaded. */
async function fresh(dir: string): Promise<BlobOrigins> {
  const o = new BlobOrigins();
  o.keepIn(dir);
  await o.load(REG);
  return o;
}

describe('blob origins (registry/origins.ts)', () => {
  it('a later process finds what an earlier one saw, never the repository it pushes to, on that registry only', async () => {
    const dir = await tempDir();
    const a = new BlobOrigins();
    a.keepIn(dir);
    a.remember(digest(1), { registry: REG, repository: 'team/app' });
    a.remember(digest(1), { registry: REG, repository: 'team/other' });
    a.remember(digest(2), { registry: 'ghcr.io', repository: 'team/app' });
    await a.save();
    expect((await stat(file(dir))).mode & 0o777).toBe(0o600);

    const b = await fresh(dir);
    expect(b.on(digest(1), REG, 'new/repo')).toBe('team/other');
    expect(b.on(digest(1), REG, 'team/other')).toBe('team/app');
    expect(b.on(digest(2), REG, 'new/repo')).toBeUndefined();
    expect(b.on(digest(3), REG, 'new/repo')).toBeUndefined();
    await b.load('ghcr.io');
    expect(b.on(digest(2), 'ghcr.io', 'new/repo')).toBe('team/app');
    // Memory only: nothing is read or written.
    const m = new BlobOrigins();
    await m.load(REG);
    expect(m.on(digest(1), REG, 'x')).toBeUndefined();
  });

  it('merges with what another process saved in between, and forgets a refused origin in the file too', async () => {
    const dir = await tempDir();
    const a = await fresh(dir);
    const b = await fresh(dir);
    a.remember(digest(1), { registry: REG, repository: 'from/a' });
    await a.save();
    b.remember(digest(2), { registry: REG, repository: 'from/b' });
    await b.save();
    const c = await fresh(dir);
    expect(c.on(digest(1), REG, 'x')).toBe('from/a');
    expect(c.on(digest(2), REG, 'x')).toBe('from/b');

    c.forget(digest(1), { registry: REG, repository: 'from/a' });
    expect(c.on(digest(1), REG, 'x')).toBeUndefined();
    await c.save();
    const d = await fresh(dir);
    expect(d.on(digest(1), REG, 'x')).toBeUndefined();
    expect(d.on(digest(2), REG, 'x')).toBe('from/b');
  });

  it('keeps the newest blobs and three repositories per blob', async () => {
    const dir = await tempDir();
    const a = await fresh(dir);
    for (let i = 0; i < 4100; i++) a.remember(digest(i), { registry: REG, repository: 'r/x' });
    for (const r of ['r/1', 'r/2', 'r/3', 'r/4']) a.remember(digest(4099), { registry: REG, repository: r });
    await a.save();
    const saved = JSON.parse(await readFile(file(dir), 'utf8')) as { blobs: Record<string, string[]> };
    expect(Object.keys(saved.blobs)).toHaveLength(4000);
    expect(saved.blobs[digest(99)]).toBeUndefined();
    expect(saved.blobs[digest(100)]).toEqual(['r/x']);
    expect(saved.blobs[digest(4099)]).toEqual(['r/4', 'r/3', 'r/2']);
  });

  it('takes nothing from a damaged file or from entries that are not a digest and a repository name', async () => {
    const dir = await tempDir();
    await writeFile(file(dir), '{"blobs": {"sha256:');
    expect((await fresh(dir)).on(digest(1), REG, 'x')).toBeUndefined();
    await writeFile(
      file(dir),
      JSON.stringify({
        blobs: {
          'not-a-digest': ['ok/repo'],
          [digest(1)]: ['../../etc', 'Upper/Case', 7, 'good/one'],
          [digest(2)]: 'ok/repo',
        },
      }),
    );
    const o = await fresh(dir);
    expect(o.on(digest(1), REG, 'x')).toBe('good/one');
    expect(o.on(digest(2), REG, 'x')).toBeUndefined();
    // A save over a damaged file writes a good one.
    await writeFile(file(dir), 'garbage');
    o.remember(digest(3), { registry: REG, repository: 'new/one' });
    await o.save();
    expect((await fresh(dir)).on(digest(3), REG, 'x')).toBe('new/one');
  });

  it('keeps the 64 most recently written registry files', async () => {
    const dir = await tempDir();
    const o = new BlobOrigins();
    o.keepIn(dir);
    for (let port = 0; port < 70; port++) {
      o.remember(digest(port), { registry: `127.0.0.1:${6000 + port}`, repository: 'r/x' });
    }
    await o.save();
    const names = await readdir(dir);
    for (const [i, name] of names.sort().entries()) {
      await utimes(join(dir, name), 1000 + i, 1000 + i);
    }
    o.remember(digest(999), { registry: REG, repository: 'r/x' });
    await o.save();
    const left = await readdir(dir);
    expect(left).toHaveLength(64);
    expect(left).toContain(`${encodeURIComponent(REG)}.json`);
    // The oldest (first in name order, given the oldest mtimes) went.
    expect(left).not.toContain(names.sort()[0]);
  });
});
