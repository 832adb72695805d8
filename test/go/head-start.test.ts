import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { goBuildArgs } from '../../src/go/build.js';
import { findGo } from '../../src/go/find-go.js';
import { runGoBuild, startHeadStart, type HeadStartOptions } from '../../src/go/head-start.js';
import { goEnvironment } from '../../src/go/platform-env.js';
import { hostPlatform } from '../../src/oci/index.js';
import { tempDir } from '../helpers/tmp.js';
import { writeModule } from './go-fixtures.js';

const SOURCE = { 'main.go': 'package main\n\nfunc main() { println("hi") }\n' };

interface Setup {
  dir: string;
  go: string;
  /** What each runGoBuild call passes: the command's environment and what minnow adds (go/platform-env.ts). */
  goEnv: NodeJS.ProcessEnv;
  /** Every start of go so far: its pid, and how many go work directories (GOTMPDIR) there were as it started. */
  starts: () => Promise<{ pid: number; workDirs: number; args: string }[]>;
  /** Makes the next go starts wait 30 s before they run go, so only a kill ends them soon. */
  slow: () => Promise<void>;
  options: (argv?: string[]) => HeadStartOptions;
  /** The go and arguments of the build, with `extra` flags. */
  call: (extra?: string[]) => [string, string[]];
}

/**
 * A module, and a `go` that is the real one behind a line in a log per start (`start <pid> <args>`); the pid is
 * that of go itself (`exec`), so the test can ask the system whether it is still running.
 */
async function setup(): Promise<Setup> {
  const root = await tempDir();
  const dir = await writeModule(join(root, 'app'), SOURCE);
  const log = join(root, 'go.log');
  const slowMarker = join(root, 'slow');
  const go = join(root, 'go');
  await writeFile(log, '');
  await writeFile(
    go,
    `#!/bin/sh\necho "start $$ $(ls -d '${root}'/minnow-go-* | wc -l) $*" >> '${log}'\n[ -f '${slowMarker}' ] && sleep 30\nexec '${await findGo()}' "$@"\n`,
  );
  await chmod(go, 0o755);
  // GOTMPDIR here, to see that runs remove their go work files; a secret that must never reach a memo.
  const env = { ...process.env, GOTMPDIR: root, MINNOW_TEST_SECRET: 'hunter2-not-for-disk' };
  return {
    dir,
    go,
    goEnv: goEnvironment({ platform: hostPlatform(), base: env }),
    starts: async () =>
      (await readFile(log, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [, pid, workDirs, ...args] = l.split(' ');
          return { pid: Number(pid), workDirs: Number(workDirs), args: args.join(' ') };
        }),
    slow: () => writeFile(slowMarker, ''),
    options: (argv = ['node', 'minnow', 'build']) => ({
      argv,
      memoDir: join(root, 'memos'),
      version: '0.0.0-test',
      cwd: dir,
      env,
    }),
    call: (extra = []) => [go, [...goBuildArgs({ pkg: '.', output: `${join(root, 'out')}/` }), ...extra]],
  };
}

/** A first run of the command line that builds once and ends: what makes the memo the next runs start from. */
async function remember(s: Setup): Promise<void> {
  const [go, args] = s.call();
  const first = startHeadStart(s.options());
  expect((await runGoBuild(go, args, { cwd: s.dir, env: s.goEnv })).code).toBe(0);
  await first.finish();
  expect(first.outcome).toBe('none');
}

/** Waits (at most 5 s) for the start logged as number `index` to appear; returns its pid. */
async function startedPid(s: Setup, index: number): Promise<number> {
  for (let i = 0; i < 250; i++) {
    const pid = (await s.starts())[index]?.pid;
    if (pid !== undefined) return pid;
    await sleep(20);
  }
  throw new Error(`go start ${index} never came`);
}

/** Whether `pid` still runs after up to `ms` (a killed process is gone once Node has reaped it). */
async function stillRunning(pid: number, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return false;
    }
    if (Date.now() > until) return true;
    await sleep(20);
  }
}

describe('go build head start (real go)', () => {
  it('remembers the first go build, then starts it ahead and hands it over to the same call', async () => {
    const s = await setup();
    const [go, args] = s.call();
    const run = { cwd: s.dir, env: s.goEnv };

    await remember(s);
    const memos = await readdir(s.options().memoDir);
    expect(memos).toHaveLength(1);
    const memoFile = join(s.options().memoDir, memos[0] as string);
    expect((await stat(memoFile)).mode & 0o777).toBe(0o600);
    const memo = await readFile(memoFile, 'utf8');
    // Only what minnow sets is kept, never a value from the user's environment.
    expect(memo).not.toContain('hunter2');
    expect(JSON.parse(memo)).toMatchObject({ go, args, cwd: s.dir, set: { CGO_ENABLED: '0' } });

    const second = startHeadStart(s.options());
    // Started at once, before anything asks for it.
    await startedPid(s, 1);
    let spawned = false;
    const result = await runGoBuild(go, args, { ...run, onSpawn: () => (spawned = true) });
    expect(result.code).toBe(0);
    expect(spawned).toBe(true);
    await second.finish();
    expect(second.outcome).toBe('taken');
    // One go for the second run: the one started ahead.
    expect(await s.starts()).toHaveLength(2);
    expect((await stat(join(s.options().memoDir, memos[0] as string))).isFile()).toBe(true);
    // Its work files went with it.
    expect((await readdir(join(s.dir, '..'))).filter((n) => n.startsWith('minnow-go-'))).toEqual([]);
  });

  it('says when the go started ahead is running, at once when there is none', async () => {
    const s = await setup();
    const bounded = (p: Promise<void>): Promise<string> =>
      Promise.race([p.then(() => 'settled'), sleep(5000).then(() => 'timed out')]);
    const none = startHeadStart(s.options());
    expect(await bounded(none.started)).toBe('settled');
    await none.finish();
    await remember(s);
    await s.slow();
    const ahead = startHeadStart(s.options());
    // The go started ahead sleeps 30 s before it builds: `started` settles as it is spawned, not as it ends.
    expect(await bounded(ahead.started)).toBe('settled');
    const pid = await startedPid(s, 1);
    expect(await stillRunning(pid, 200)).toBe(true);
    await ahead.finish();
    expect(ahead.outcome).toBe('stopped');
    expect(await stillRunning(pid)).toBe(false);
  });

  it('stops a head start that is another go build, and waits for it, before the real one starts', async () => {
    const s = await setup();
    const [go] = s.call();
    const run = { cwd: s.dir, env: s.goEnv };
    await remember(s);

    await s.slow();
    const second = startHeadStart(s.options());
    const ahead = await startedPid(s, 1);
    const [, other] = s.call(['-tags=other']);
    const result = runGoBuild(go, other, run);
    // The real one starts only once the head start has gone (it would otherwise sleep for 30 s first).
    const real = await startedPid(s, 2);
    expect(await stillRunning(ahead, 0)).toBe(false);
    // Its own work directory only: the head start's was removed before it started.
    expect((await s.starts())[2]?.workDirs).toBe(1);
    expect(second.outcome).toBe('stopped');
    expect((await s.starts()).map((x) => x.args.includes('-tags=other'))).toEqual([false, false, true]);
    // The real one sleeps too, as the wrapper says: stop it here, the point is made.
    process.kill(-real, 'SIGKILL');
    await result.catch(() => undefined);
    await second.finish();
    // The memo follows what the command line ran this time.
    const memoDir = s.options().memoDir;
    const memo = JSON.parse(await readFile(join(memoDir, (await readdir(memoDir))[0] as string), 'utf8')) as {
      args: string[];
    };
    expect(memo.args).toEqual(other);
  });

  it('takes nothing over when the environment differs, and remembers no variable it did not set', async () => {
    const s = await setup();
    const [go, args] = s.call();
    await remember(s);

    const second = startHeadStart(s.options());
    await startedPid(s, 1);
    // As `--go-env GOEXPERIMENT=…` does: a variable beyond minnow's own.
    const result = await runGoBuild(go, args, { cwd: s.dir, env: { ...s.goEnv, GOFLAGS: '-mod=mod' } });
    expect(result.code).toBe(0);
    await second.finish();
    expect(second.outcome).toBe('stopped');
    expect(await s.starts()).toHaveLength(3);
    // Such a build is not remembered (the old memo is gone too): the next run starts nothing ahead.
    expect(await readdir(s.options().memoDir)).toEqual([]);
    const third = startHeadStart(s.options());
    await third.finish();
    expect(third.outcome).toBe('none');
    expect(await s.starts()).toHaveLength(3);
  });

  it('starts nothing for another command line or directory, and stops an unused head start at the end', async () => {
    const s = await setup();
    await remember(s);

    for (const other of [
      startHeadStart(s.options(['node', 'minnow', 'build', '--push'])),
      startHeadStart({ ...s.options(), cwd: join(s.dir, '..') }),
    ]) {
      await other.finish();
      // 'stopped' had a go been started ahead.
      expect(other.outcome).toBe('none');
    }
    expect(await s.starts()).toHaveLength(1);

    // Same command line, but this time the command stops before it builds (a bad flag, say).
    await s.slow();
    const unused = startHeadStart(s.options());
    const ahead = await startedPid(s, 1);
    await unused.finish();
    expect(unused.outcome).toBe('stopped');
    expect(await stillRunning(ahead, 0)).toBe(false);
    expect((await readdir(join(s.dir, '..'))).filter((n) => n.startsWith('minnow-go-'))).toEqual([]);
    // A run that started no go build leaves no memo for the next.
    expect(await readdir(s.options().memoDir)).toEqual([]);
  });

  it('ignores a memo it did not write: nothing is run', async () => {
    const s = await setup();
    await remember(s);
    const memoDir = s.options().memoDir;
    const file = join(memoDir, (await readdir(memoDir))[0] as string);
    const good = JSON.parse(await readFile(file, 'utf8'));
    for (const bad of [
      { ...good, go: 'go' },
      { ...good, args: ['run', '.'] },
      { ...good, set: { ...good.set, LD_PRELOAD: '/tmp/x.so' } },
      { ...good, unset: ['PATH'] },
      { ...good, cwd: 'relative' },
    ]) {
      await writeFile(file, JSON.stringify(bad));
      const run = startHeadStart(s.options());
      expect(await s.starts()).toHaveLength(1);
      await run.finish();
      expect(run.outcome).toBe('none');
      await writeFile(file, JSON.stringify(good));
    }
    await writeFile(file, '{not json');
    await startHeadStart(s.options()).finish();
    expect(await s.starts()).toHaveLength(1);
  });

  it('stops the go started ahead on SIGINT before the command has taken it over', async () => {
    const s = await setup();
    await remember(s);

    // The command's own handler, as cli/signals.ts installs: the head start must then not end the process.
    let seen = 0;
    const command = (): void => void seen++;
    const before = ['SIGINT', 'SIGTERM', 'exit'].map((n) => process.listenerCount(n));
    process.on('SIGINT', command);
    try {
      await s.slow();
      const run = startHeadStart(s.options());
      const ahead = await startedPid(s, 1);
      process.emit('SIGINT');
      expect(seen).toBe(1);
      // Gone long before its 30 s sleep ends, and before finish() would stop it.
      expect(await stillRunning(ahead)).toBe(false);
      await run.finish();
    } finally {
      process.off('SIGINT', command);
    }
    // Its handlers went with it.
    expect(['SIGINT', 'SIGTERM', 'exit'].map((n) => process.listenerCount(n))).toEqual(before);
  });
});
