import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { copyHello } from '../go/go-fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
// The built library (npm run build), where the gzip pool has its worker script, as the CLI runs it.
const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

/**
 * One build() in a process of its own: the gzip helper threads that process had started when the app layer
 * began (after Go), and by the end.
 */
async function helpersOfBuild(
  dir: string,
  cacheDir: string,
  compression = 'gzip',
): Promise<{ atLayer: number; atEnd: number }> {
  const script = `
    const { build } = await import(${JSON.stringify(join(DIST, 'build/build.js'))});
    const { gzipPool } = await import(${JSON.stringify(join(DIST, 'util/gzip-pool.js'))});
    let atLayer = -1;
    await build({
      dir: ${JSON.stringify(dir)},
      cacheDir: ${JSON.stringify(cacheDir)},
      compression: { algorithm: ${JSON.stringify(compression)} },
      onProgress: (e) => { if (e.phase === 'layer') atLayer = gzipPool().helpersStarted; },
    });
    process.stdout.write(JSON.stringify({ atLayer, atEnd: gzipPool().helpersStarted }));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
  return JSON.parse(stdout) as { atLayer: number; atEnd: number };
}

/** The work directory of the one source built with `cacheDir` (build/workdir.ts). */
async function workDirOf(cacheDir: string): Promise<string> {
  const dirs = (await readdir(join(cacheDir, 'build'))).filter((n) => !n.startsWith('.'));
  expect(dirs).toHaveLength(1);
  return join(cacheDir, 'build', dirs[0] as string);
}

describe('the gzip helper of a build (build.ts, helper-head-start.ts)', () => {
  it('starts while Go compiles on a first build and on a rebuild that relinks, not on a no-op, not for zstd', async () => {
    const root = await tempDir();
    const app = await copyHello(join(root, 'hello'));
    const cache = join(root, 'cache');
    // Up before the app layer begins: started while Go compiled.
    expect((await helpersOfBuild(app, cache)).atLayer).toBeGreaterThanOrEqual(1);
    // The time a rebuild's Go must run longer than before the helper starts: 1.5 times its last up-to-date check
    // (kept in the work directory). Set long here, so that the no-op below is one however slow this machine is.
    const record = join(await workDirOf(cache), '.go-up-to-date.json');
    await writeFile(record, JSON.stringify({ ms: 600_000 }));
    // Same binary: its layer comes from the cache, so nothing is compressed and no helper started at all.
    expect(await helpersOfBuild(app, cache)).toEqual({ atLayer: 0, atEnd: 0 });
    // And that no-op's time is kept in its place.
    const kept = JSON.parse(await readFile(record, 'utf8')) as { ms: number };
    expect(kept.ms).toBeGreaterThan(0);
    expect(kept.ms).toBeLessThan(600_000);
    const main = join(app, 'main.go');
    const edit = async (text: string): Promise<void> =>
      writeFile(main, (await readFile(main, 'utf8')).replace(/container[^"]*!/, `container, ${text}!`));
    // A changed binary while Go runs far shorter than its up-to-date check: no helper before the layer.
    await writeFile(record, JSON.stringify({ ms: 600_000 }));
    await edit('edited');
    expect((await helpersOfBuild(app, cache)).atLayer).toBe(0);
    // Go runs longer than its up-to-date check (1 ms): compiling and linking, so the helper starts meanwhile.
    await writeFile(record, JSON.stringify({ ms: 1 }));
    await edit('edited again');
    expect((await helpersOfBuild(app, cache)).atLayer).toBeGreaterThanOrEqual(1);
    // Not a no-op: the time kept is still the no-op's.
    expect(JSON.parse(await readFile(record, 'utf8'))).toEqual({ ms: 1 });
    // A damaged record is only a missing one: the no-op builds as ever and keeps its time in its place.
    await writeFile(record, '{"ms": "not a number"');
    expect((await helpersOfBuild(app, cache)).atEnd).toBeLessThanOrEqual(1);
    expect((JSON.parse(await readFile(record, 'utf8')) as { ms: number }).ms).toBeGreaterThan(0);
    // zstd compresses no gzip: a first build with it starts no gzip helper.
    expect(await helpersOfBuild(app, join(root, 'zstd-cache'), 'zstd')).toEqual({ atLayer: 0, atEnd: 0 });
  });
});
