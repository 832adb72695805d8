import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { AnalysisPool } from '../../src/analyze/analysis-pool.js';
import { runAnalysisJob } from '../../src/analyze/analysis-jobs.js';
import { readBuildInfo, type GoBuildInfo } from '../../src/go/buildinfo.js';
import type { BlobFile } from '../../src/oci/blob-file.js';
import { HELLO_DIR } from '../go/go-fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
// The worker runs built JavaScript: the script `npm run build` writes (the tests run after it).
const WORKER = new URL('../../dist/analyze/analysis-worker.js', import.meta.url);

describe('AnalysisPool (the analysis worker, built)', () => {
  let hello: BlobFile;
  let gofmt: BlobFile;
  let junk: BlobFile;
  let info: GoBuildInfo;
  let gofmtInfo: GoBuildInfo;
  beforeAll(async () => {
    expect(existsSync(fileURLToPath(WORKER)), 'npm run build first').toBe(true);
    const dir = await tempDir();
    const helloPath = join(dir, 'hello');
    await run('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', helloPath, '.'], {
      cwd: HELLO_DIR,
      env: { ...process.env, CGO_ENABLED: '0' },
    });
    const gofmtPath = join((await run('go', ['env', 'GOROOT'])).stdout.trim(), 'bin', 'gofmt');
    hello = { path: helloPath, start: 0, size: (await stat(helloPath)).size };
    gofmt = { path: gofmtPath, start: 0, size: (await stat(gofmtPath)).size };
    info = (await readBuildInfo(await readFile(helloPath))) as GoBuildInfo;
    gofmtInfo = (await readBuildInfo(await readFile(gofmtPath))) as GoBuildInfo;
    // An ELF header and nothing else: attribution must refuse it.
    const junkPath = join(dir, 'junk');
    await writeFile(junkPath, Buffer.concat([(await readFile(helloPath)).subarray(0, 64), Buffer.alloc(64)]));
    junk = { path: junkPath, start: 0, size: 128 };
  }, 120_000);

  it('gives what the jobs give on this thread, whichever thread did them, failures included', async () => {
    const pool = new AnalysisPool(WORKER);
    const jobs = [hello, gofmt, hello, gofmt, hello];
    const digest = pool.digestFile(gofmt, 'sha256');
    const attributions = jobs.map((file, i) =>
      pool.attributeFile(file, file === gofmt ? gofmtInfo : info).then((a) => [i, a] as const),
    );
    const refused = pool.attributeFile(junk, info).then(
      () => 'attributed',
      (err: Error & { code?: string }) => err.code,
    );
    const all = Promise.all([digest, refused, ...attributions]);
    await pool.helpUntil(all);
    const [sum, refusal, ...results] = await all;
    expect(sum).toBe(
      `sha256:${createHash('sha256')
        .update(await readFile(gofmt.path))
        .digest('hex')}`,
    );
    expect(refusal).toBe('INVALID_ARGUMENT');
    for (const [i, a] of results) {
      const file = jobs[i] as BlobFile;
      const here = await runAnalysisJob({
        kind: 'attribute-file',
        file,
        info: file === gofmt ? gofmtInfo : info,
      });
      expect(a).toEqual(here);
    }
  });
});
