import { execFile } from 'node:child_process';
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { findGo } from '../../src/go/find-go.js';
import { tempDir } from '../helpers/tmp.js';
import { copyHello } from '../go/go-fixtures.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/minnow.cjs', import.meta.url));

describe('minnow build starts the go build of its last run ahead (go/head-start.ts)', () => {
  it('takes it over when it is the same build, stops it when it is not, and the image is the same either way', async () => {
    const root = await tempDir();
    const app = await copyHello(join(root, 'hello'));
    const log = join(root, 'go.log');
    const bin = join(root, 'bin');
    await run('mkdir', [bin]);
    // The real go, behind a line per start.
    await writeFile(join(bin, 'go'), `#!/bin/sh\necho "$$ $*" >> '${log}'\nexec '${await findGo()}' "$@"\n`);
    await chmod(join(bin, 'go'), 0o755);
    await writeFile(log, '');
    const env = (cache: string): NodeJS.ProcessEnv => ({
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      MINNOW_CACHE_DIR: join(root, cache),
      GOTMPDIR: root,
    });
    let seen = 0;
    /** One `minnow build -q` (digest) and the go builds it started. */
    const build = async (cache = 'cache'): Promise<{ digest: string; goBuilds: string[] }> => {
      const { stdout } = await run(
        process.execPath,
        [BIN, 'build', '-q', '--output', `oci:${join(root, 'out')}`],
        {
          cwd: app,
          env: env(cache),
        },
      );
      const lines = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
      const mine = lines.slice(seen);
      seen = lines.length;
      return { digest: stdout.trim(), goBuilds: mine.filter((l) => / build /.test(l)) };
    };

    const first = await build();
    expect(first.goBuilds).toHaveLength(1);
    const second = await build();
    // The one go build of the second run is the one it started ahead.
    expect(second.goBuilds).toHaveLength(1);
    expect(second.digest).toBe(first.digest);

    // Same command line, but the build is another now: the head start is stopped, the real build runs.
    await writeFile(join(app, 'minnow.yaml'), 'defaults:\n  tags: [headstart]\n');
    const third = await build();
    expect(third.goBuilds).toHaveLength(2);
    expect(third.goBuilds[1]).toContain('-tags=headstart');
    expect(third.goBuilds[0]).not.toContain('-tags=headstart');
    expect(third.digest).not.toBe(first.digest);
    // What a build with no memo at all makes.
    expect((await build('fresh-cache')).digest).toBe(third.digest);

    // No go left running, no go work files left behind.
    const pids = (await readFile(log, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => Number(l.split(' ')[0]));
    const running = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(running).toEqual([]);
    expect((await readdir(root)).filter((n) => n.startsWith('minnow-go-'))).toEqual([]);
  });
});
