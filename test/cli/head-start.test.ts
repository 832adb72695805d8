import { execFile, spawn } from 'node:child_process';
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SIGNAL_EXIT } from '../../src/cli/signals.js';
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

  it('spawns that go from the prelude, before the bundle of every command is read', async () => {
    const root = await tempDir();
    const app = await copyHello(join(root, 'hello'));
    // Preloaded: a line when go is spawned and when the bundle is read, in the order they happen.
    const hook = join(root, 'order.cjs');
    const log = join(root, 'order.log');
    await writeFile(
      hook,
      `const cp = require('node:child_process'), fs = require('node:fs');
const note = (what) => fs.appendFileSync(${JSON.stringify(log)}, what + '\\n');
const spawn = cp.spawn;
cp.spawn = function (file, args, ...rest) {
  if (/(^|\\/)go$/.test(file) && args[0] === 'build') note('go build');
  return spawn.call(this, file, args, ...rest);
};
const read = fs.readFileSync;
fs.readFileSync = function (file, ...rest) {
  if (String(file).endsWith('minnow.cjs') && String(file).includes('cli-bundle')) note('bundle');
  return read.call(this, file, ...rest);
};`,
    );
    const build = async (): Promise<string[]> => {
      await writeFile(log, '');
      await run(
        process.execPath,
        ['--require', hook, BIN, 'build', '-q', '--output', `oci:${join(root, 'out')}`],
        {
          cwd: app,
          env: { ...process.env, MINNOW_CACHE_DIR: join(root, 'cache'), GOTMPDIR: root },
        },
      );
      return (await readFile(log, 'utf8')).split('\n').filter(Boolean);
    };
    // No memo yet: go starts from the bundle. Then it is remembered, and starts first.
    expect(await build()).toEqual(['bundle', 'go build']);
    expect(await build()).toEqual(['go build', 'bundle']);
  });

  it('is one module with its errors, shared by the prelude and the bundle rather than copied', async () => {
    const text = (name: string): Promise<string> =>
      readFile(new URL(`../../dist/cli-bundle/${name}`, import.meta.url), 'utf8');
    // esbuild heads each module it bundles with a comment naming its source.
    const modules = (code: string): string[] =>
      [...code.matchAll(/^\/\/ (src\/(?:errors|go\/head-start|go\/run-go)\.ts)$/gm)].map(
        (m) => m[1] as string,
      );
    expect(modules(await text('prelude.cjs')).sort()).toEqual([
      'src/errors.ts',
      'src/go/head-start.ts',
      'src/go/run-go.ts',
    ]);
    const bundle = await text('minnow.cjs');
    expect(modules(bundle)).toEqual([]);
    expect(bundle).toContain('require("./prelude.cjs")');
  });
});

describe('a signal while the go started ahead runs (go/head-start.ts)', () => {
  /** Waits (at most 10 s) until `log` holds `lines` lines. */
  const linesIn = async (log: string, lines: number): Promise<string[]> => {
    for (const until = Date.now() + 10_000; Date.now() < until; await sleep(10)) {
      const all = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
      if (all.length >= lines) return all;
    }
    throw new Error(`${log} never had ${lines} lines`);
  };
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it.each([
    // At once: before the command has loaded and caught signals itself, the head start's handler stops go.
    ['SIGINT', 0],
    ['SIGTERM', 0],
    ['SIGHUP', 0],
    // Later: the command has taken the go over and its own handler stops the build.
    ['SIGHUP', 1500],
  ] as const)(
    'stops go on %s (%i ms after it started), leaves none of its work files and ends by that signal',
    async (sig, delay) => {
      const root = await tempDir();
      const app = await copyHello(join(root, 'hello'));
      const log = join(root, 'go.log');
      const slow = join(root, 'slow');
      const bin = join(root, 'bin');
      await run('mkdir', [bin]);
      // Once `slow` exists, go "works" (a file in its GOTMPDIR, as go's go-build directory) for 30 s.
      await writeFile(
        join(bin, 'go'),
        `#!/bin/sh\necho "$$ $*" >> '${log}'\nif [ -f '${slow}' ]; then : > "$GOTMPDIR/go-build-work"; sleep 30; fi\nexec '${await findGo()}' "$@"\n`,
      );
      await chmod(join(bin, 'go'), 0o755);
      await writeFile(log, '');
      const env = {
        ...process.env,
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        MINNOW_CACHE_DIR: join(root, 'cache'),
        GOTMPDIR: root,
      };
      const args = [BIN, 'build', '-q', '--output', `oci:${join(root, 'out')}`];
      await run(process.execPath, args, { cwd: app, env });
      const before = (await linesIn(log, 1)).length;
      await writeFile(slow, '');

      const child = spawn(process.execPath, args, { cwd: app, env, stdio: 'ignore' });
      const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        child.on('exit', (code, signal) => resolve({ code, signal })),
      );
      const goPid = Number((await linesIn(log, before + 1))[before]?.split(' ')[0]);
      await sleep(delay);
      child.kill(sig);
      const end = await ended;
      // Ended by the signal itself (re-raised once go was gone), or by the command's exit status for it.
      expect(end.signal === sig || end.code === SIGNAL_EXIT[sig]).toBe(true);
      expect(alive(goPid)).toBe(false);
      expect((await readdir(root)).filter((n) => n.startsWith('minnow-go-'))).toEqual([]);
    },
  );
});
