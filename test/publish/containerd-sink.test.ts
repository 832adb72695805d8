import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerdImageName } from '../../src/publish/containerd.js';
import { createSink } from '../../src/publish/sinks/kinds.js';
import { plain, runCli } from '../cli/build-helpers.js';
import { HELLO_DIR } from '../go/go-fixtures.js';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { freePort } from '../helpers/docker.js';
import { tempDir } from '../helpers/tmp.js';

/** GETs `url` until it answers (at most `ms`). */
async function fetchWhenUp(url: string, ms = 20_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await (await fetch(url, { signal: AbortSignal.timeout(2000) })).text();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(200);
    }
  }
}

describe('--output containerd (real go, Debian’s containerd on its own socket)', () => {
  let dir: string;
  let containerd: TestContainerd;
  beforeAll(async () => {
    dir = await tempDir();
    containerd = await startContainerd(join(dir, 'containerd'));
  });
  afterAll(async () => {
    await containerd?.stop();
  });

  it('imports the image under the name Kubernetes looks up, with the built digest, and ctr runs it', async () => {
    const built = await runCli([
      'build',
      HELLO_DIR,
      '-t',
      'v1',
      '-o',
      `containerd:minnow-test@${containerd.socket}`,
      '--json',
    ]);
    expect(plain(built.stderr)).toBe('');
    expect(built.code).toBe(0);
    const summary = JSON.parse(built.stdout) as { digest: string };
    const listed = await containerd.ctr(['-n', 'minnow-test', 'images', 'ls']);
    const rows = listed.trim().split('\n').slice(1);
    expect(rows.map((r) => r.split(/\s+/).slice(0, 1).join())).toEqual(['docker.io/library/hello:v1']);
    expect(rows[0]?.split(/\s+/)[2]).toBe(summary.digest);

    const port = await freePort();
    const task = spawn(
      'ctr',
      [
        '-a',
        containerd.socket,
        '-n',
        'minnow-test',
        'run',
        '--rm',
        '--net-host',
        '--env',
        `PORT=${port}`,
        'docker.io/library/hello:v1',
        'containerd-hello',
      ],
      { stdio: 'ignore' },
    );
    try {
      expect(await fetchWhenUp(`http://127.0.0.1:${port}/`)).toBe('Hello from the smallest Go container!');
      // Still the image's user: non-root.
      const info = await containerd.ctr(['-n', 'minnow-test', 'containers', 'info', 'containerd-hello']);
      expect(
        (JSON.parse(info) as { Spec: { process: { user: { uid: number } } } }).Spec.process.user.uid,
      ).toBe(65532);
    } finally {
      await containerd
        .ctr(['-n', 'minnow-test', 'tasks', 'kill', '-s', 'SIGKILL', 'containerd-hello'])
        .catch(() => '');
      await new Promise<void>((resolve) =>
        task.exitCode !== null ? resolve() : task.once('exit', () => resolve()),
      );
      await containerd.ctr(['-n', 'minnow-test', 'containers', 'rm', 'containerd-hello']).catch(() => '');
    }
  });

  it('refuses before building when containerd does not answer, in one line', async () => {
    const started = Date.now();
    const r = await runCli([
      'build',
      HELLO_DIR,
      '-o',
      'containerd',
      '--containerd-address',
      join(dir, 'nothing.sock'),
    ]);
    expect(r.code).toBe(1);
    expect(plain(r.stderr).split('\n')[0]).toBe(
      `error: containerd is not listening on ${join(dir, 'nothing.sock')} (no socket there)`,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reads the spec grammar and names images as the CRI does', () => {
    expect(createSink('containerd').description).toBe('containerd:k8s.io');
    expect(createSink('containerd:team-a').description).toBe('containerd:team-a');
    expect(() => createSink('containerd:bad/ns', { flag: '--output' })).toThrow(
      'invalid --output "containerd:bad/ns": "bad/ns" is not a containerd namespace',
    );
    expect(containerdImageName('hello', 'v1')).toBe('docker.io/library/hello:v1');
    expect(containerdImageName('team/hello', 'v1')).toBe('docker.io/team/hello:v1');
    expect(containerdImageName('localhost:5000/hello', 'v1')).toBe('localhost:5000/hello:v1');
  });
});
