import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
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

describe('the gzip helper of a first build (build.ts)', () => {
  it('starts while Go compiles on a first build, not on a rebuild, and not for zstd', async () => {
    const root = await tempDir();
    const app = await copyHello(join(root, 'hello'));
    const cache = join(root, 'cache');
    // Up before the app layer begins: started while Go compiled.
    expect((await helpersOfBuild(app, cache)).atLayer).toBeGreaterThanOrEqual(1);
    // Same binary: its layer comes from the cache, so nothing is compressed and no helper started at all.
    expect(await helpersOfBuild(app, cache)).toEqual({ atLayer: 0, atEnd: 0 });
    // A changed binary: no helper while Go compiles (it could have been a no-op); the layer writer may start one.
    const main = join(app, 'main.go');
    await writeFile(main, (await readFile(main, 'utf8')).replace('container!', 'container, edited!'));
    expect((await helpersOfBuild(app, cache)).atLayer).toBe(0);
    // zstd compresses no gzip: a first build with it starts no gzip helper.
    expect(await helpersOfBuild(app, join(root, 'zstd-cache'), 'zstd')).toEqual({ atLayer: 0, atEnd: 0 });
  });
});
