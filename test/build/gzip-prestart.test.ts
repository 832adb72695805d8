import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { copyHello } from '../go/go-fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
// The built library (npm run build), where the gzip pool has its worker script, as the CLI runs it.
const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

/** One build() in a process of its own; the gzip helper threads that process started. */
async function helpersOfBuild(dir: string, cacheDir: string, compression = 'gzip'): Promise<number> {
  const script = `
    const { build } = await import(${JSON.stringify(join(DIST, 'build/build.js'))});
    const { gzipPool } = await import(${JSON.stringify(join(DIST, 'util/gzip-pool.js'))});
    await build({ dir: ${JSON.stringify(dir)}, cacheDir: ${JSON.stringify(cacheDir)}, compression: { algorithm: ${JSON.stringify(compression)} } });
    process.stdout.write(String(gzipPool().helpersStarted));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
  return Number(stdout);
}

describe('the gzip helper of a first build (build.ts)', () => {
  it('starts while Go compiles on a first build, and not at all on a rebuild of the same binary', async () => {
    const root = await tempDir();
    const app = await copyHello(join(root, 'hello'));
    const cache = join(root, 'cache');
    // hello's 5.8 MB binary is below what a two-CPU machine compresses alone (8 MiB): only the first build's
    // head start can have started a helper there. Any machine with two CPUs or more has one by the end.
    expect(await helpersOfBuild(app, cache)).toBeGreaterThanOrEqual(1);
    // Same binary: its layer comes from the cache, so nothing is compressed and no helper was started early.
    expect(await helpersOfBuild(app, cache)).toBe(0);
    // zstd compresses no gzip: a first build with it starts no gzip helper.
    expect(await helpersOfBuild(app, join(root, 'zstd-cache'), 'zstd')).toBe(0);
  });
});
