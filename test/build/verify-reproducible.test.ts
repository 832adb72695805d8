import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyReproducible } from '../../src/build/verify-reproducible.js';
import { isMinnowError } from '../../src/errors.js';
import { testImage } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

const GOAPPS = join(import.meta.dirname, '..', 'fixtures', 'goapps');

/** A stand-in build that packs one source file, and optionally the directory it was built in (a path leak). */
function fakeBuild(blobs: string, leakPath: boolean) {
  const dirs: string[] = [];
  const envs: (Record<string, string> | undefined)[] = [];
  const build = async (o: { dir?: string; goEnv?: Record<string, string> }) => {
    const dir = o.dir as string;
    dirs.push(dir);
    envs.push(o.goEnv);
    const main = await readFile(join(dir, 'cmd', 'alpha', 'main.go'));
    const image = await testImage(blobs, [
      { type: 'file', path: '/app/alpha', source: main, mode: 0o555 },
      { type: 'file', path: '/app/built-in', source: Buffer.from(leakPath ? dir : 'trimmed') },
    ]);
    return { target: { kind: 'image' as const, image }, digest: await image.digest() };
  };
  return Object.assign(build, { dirs, envs });
}

describe('verifyReproducible', () => {
  it('builds from two copies at different paths and passes when the digests agree', async () => {
    const build = fakeBuild(await tempDir(), false);
    const r = await verifyReproducible({ build, options: { dir: GOAPPS } });
    expect(r.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(build.dirs).toHaveLength(2);
    expect(build.dirs[0]).not.toBe(build.dirs[1]);
    expect(build.dirs[0]?.length).not.toBe(build.dirs[1]?.length);
    expect(build.dirs.every((d) => d.endsWith(join('test', 'fixtures', 'goapps')))).toBe(true);
  });

  it('fails with NOT_REPRODUCIBLE naming the first differing file when a path leaks', async () => {
    const build = fakeBuild(await tempDir(), true);
    const err = await verifyReproducible({ build, options: { dir: GOAPPS } }).catch((e: unknown) => e);
    expect(isMinnowError(err, 'NOT_REPRODUCIBLE')).toBe(true);
    expect((err as Error).message).toMatch(/^builds differ: layer 0 \/app\/built-in: size \d+ vs \d+ bytes$/);
  });

  it('removes its copies afterwards', async () => {
    const tmp = await tempDir();
    const build = fakeBuild(await tempDir(), false);
    await verifyReproducible({ build, options: { dir: GOAPPS }, tmpDir: tmp });
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(tmp)).toEqual([]);
  });

  it('gives only the second build an empty GOCACHE of its own with freshGoCache, keeping other Go settings', async () => {
    const build = fakeBuild(await tempDir(), false);
    await verifyReproducible({
      build,
      options: { dir: GOAPPS, goEnv: { GOFLAGS: '-mod=mod' } },
      freshGoCache: true,
    });
    expect(build.envs[0]).toEqual({ GOFLAGS: '-mod=mod' });
    expect(build.envs[1]?.GOFLAGS).toBe('-mod=mod');
    expect(build.envs[1]?.GOCACHE).toMatch(/minnow-repro-.*gocache$/);
  });
});
