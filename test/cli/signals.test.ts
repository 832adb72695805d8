import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { copyHello } from '../go/go-fixtures.js';
import { tempDir } from '../helpers/tmp.js';
import { plain } from './build-helpers.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'minnow.cjs');

/** The pid of a `go` process whose parent is `parent`, once there is one. */
async function goChildOf(parent: number, timeoutMs = 60_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    for (const name of await readdir('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
      // pid (comm) state ppid ...
      const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
      if (m && m[1] === 'go' && Number(m[2]) === parent) return Number(name);
    }
    await sleep(50);
  }
  throw new Error('go never started');
}

describe('an interrupted minnow build (real process, real go)', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    // A closed terminal or a dropped ssh session.
    ['SIGHUP', 129],
  ] as const)(
    'stops on %s while Go compiles, exits %i with one line and leaves no file',
    async (sig, status) => {
      const work = await tempDir();
      const app = await copyHello(join(work, 'hello'));
      const out = join(work, 'out');
      await mkdir(out);
      // -a rebuilds every package, so the compiler is surely still running when the signal comes.
      const child = spawn(
        process.execPath,
        [BIN, 'build', app, '--go-env', 'GOFLAGS=-a', '--output', `docker:${join(out, 'app.tar')}`],
        // go's work files here, to see that none are left.
        { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GOTMPDIR: work } },
      );
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const go = await goChildOf(child.pid!);
      await sleep(300);
      child.kill(sig);
      const code = await exited;
      expect(plain(stderr)).toBe(`error: interrupted by ${sig}\n`);
      expect(stdout).toBe('');
      expect(code).toBe(status);
      expect(await readdir(out)).toEqual([]);
      expect((await readdir(work)).filter((n) => n.startsWith('minnow-go-'))).toEqual([]);
      // Go was stopped too, not left compiling.
      const alive = (): Promise<boolean> =>
        readFile(`/proc/${go}/stat`, 'utf8').then(
          () => true,
          () => false,
        );
      for (const until = Date.now() + 5000; Date.now() < until && (await alive());) await sleep(50);
      expect(await alive()).toBe(false);
    },
  );
});
