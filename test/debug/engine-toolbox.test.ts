import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMinnowError } from '../../src/errors.js';
import { debugContainer, toolboxSpec } from '../../src/debug/engine-toolbox.js';
import { exec } from '../helpers/exec.js';
import { httpGetWhenUp, runServer, type RunningContainer } from '../helpers/docker.js';
import { loadAlpineFixture } from '../helpers/go-builder-image.js';
import { HELLO_DIR } from '../go/go-fixtures.js';
import { plain, runCli } from '../cli/build-helpers.js';

const HELLO = 'Hello from the smallest Go container!';
const app = `minnow-test-debug-target/hello:${randomBytes(4).toString('hex')}`;
let toolbox: string;
let server: RunningContainer;

/** Toolboxes minnow started for `targetId` that still exist. */
async function toolboxesOf(targetId: string): Promise<string[]> {
  const out = await exec('docker', [
    'ps',
    '-a',
    '--filter',
    `label=dev.minnow.debug.target=${targetId}`,
    '--format',
    '{{.ID}}',
  ]);
  return out.split('\n').filter(Boolean);
}

beforeAll(async () => {
  toolbox = await loadAlpineFixture();
  const built = await runCli(['build', HELLO_DIR, '-o', `daemon:${app}`, '-q']);
  expect(plain(built.stderr)).toBe('');
  expect(built.code).toBe(0);
  server = await runServer(app);
  expect(await httpGetWhenUp(server.port)).toBe(HELLO);
}, 600_000);

afterAll(async () => {
  await server?.stop();
  await exec('docker', ['rmi', '-f', app]).catch(() => undefined);
});

describe('minnow debug CONTAINER (Engine API)', () => {
  it('runs a toolbox in the app container’s PID and network namespaces: ps shows the app, wget reaches it, its files are at /proc/1/root; nothing is left', async () => {
    const run = await runCli([
      'debug',
      server.id.slice(0, 12),
      '--image',
      toolbox,
      '--',
      'sh',
      '-c',
      `ps -o pid,user,args; wget -qO- 127.0.0.1:${server.port}; echo; ls /proc/1/root/app; echo to-stderr >&2`,
    ]);
    expect(run.stderr).toBe('to-stderr\n');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n').map((l) => l.trim());
    // PID 1 of the shared namespace is the app itself, as its own user.
    expect(lines).toContainEqual(expect.stringMatching(/^1\s+65532\s+\/app\/hello$/));
    expect(lines).toContain(HELLO);
    expect(lines).toContain('hello');
    expect(await toolboxesOf(server.id)).toEqual([]);
    // The app image stays shell-less: the shell came with the toolbox.
    const noShell = await exec('docker', ['run', '--rm', '--entrypoint', '/bin/sh', app, '-c', 'true']).then(
      () => 'ran',
      (err: Error) => err.message,
    );
    expect(noShell).toMatch(/no such file or directory|not found/);
  });

  it('reads a piped script on stdin when no command is given (library call), and removes the toolbox', async () => {
    let out = '';
    let err = '';
    const result = await debugContainer({
      target: server.id,
      image: toolbox,
      stdio: {
        stdin: Readable.from([
          `wget -qO- 127.0.0.1:${server.port}\n`,
          'cat /proc/1/root/etc/passwd | grep -c nonroot\n',
          'exit 5\n',
        ]),
        stdout: new Writable({ write: (c: Buffer, _e, done) => ((out += c.toString()), done()) }),
        stderr: new Writable({ write: (c: Buffer, _e, done) => ((err += c.toString()), done()) }),
      },
    });
    expect(err).toBe('');
    expect(out).toBe(`${HELLO}1\n`);
    expect(result).toMatchObject({ exitCode: 5, target: { id: server.id }, image: toolbox });
    expect(await toolboxesOf(server.id)).toEqual([]);
  });

  it('an abort (Ctrl-C) stops the toolbox and removes it, and says it was interrupted', async () => {
    const controller = new AbortController();
    const running = debugContainer({
      target: server.id,
      image: toolbox,
      command: ['sleep', '300'],
      stdio: {
        stdout: new Writable({ write: (_c, _e, done) => done() }),
        stderr: new Writable({ write: (_c, _e, done) => done() }),
      },
      signal: controller.signal,
    });
    const deadline = Date.now() + 30_000;
    while ((await toolboxesOf(server.id)).length === 0 && Date.now() < deadline) await sleep(100);
    expect(await toolboxesOf(server.id)).toHaveLength(1);
    controller.abort();
    const err = await running.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMinnowError(err, 'ABORTED')).toBe(true);
    expect(await toolboxesOf(server.id)).toEqual([]);
  });

  it('exits with the toolbox command’s status, and removes the toolbox', async () => {
    const run = await runCli(['debug', server.id, '--image', toolbox, '--', 'sh', '-c', 'exit 7']);
    expect(run.code).toBe(7);
    expect(await toolboxesOf(server.id)).toEqual([]);
  });

  it('says in one line when the target is not running, not there, the image missing, or the Engine unreachable', async () => {
    const stopped = (await exec('docker', ['create', app])).trim();
    try {
      const notRunning = await runCli(['debug', stopped, '--image', toolbox, '--', 'true']);
      expect(notRunning.code).toBe(1);
      expect(plain(notRunning.stderr).split('\n')[0]).toBe(
        `error: container ${stopped} is not running (created): there is nothing to debug`,
      );
    } finally {
      await exec('docker', ['rm', '-f', stopped]);
    }
    const missing = await runCli(['debug', 'minnow-no-such-container', '--image', toolbox, '--', 'true']);
    expect(missing.code).toBe(1);
    expect(plain(missing.stderr).split('\n')[0]).toBe(
      'error: the Engine has no container minnow-no-such-container',
    );

    const noImage = await runCli([
      'debug',
      server.id,
      '--image',
      'minnow-test/no-such-toolbox:never',
      '--',
      'true',
    ]);
    expect(noImage.code).toBe(1);
    expect(plain(noImage.stderr).split('\n')[0]).toMatch(
      /^error: the toolbox image minnow-test\/no-such-toolbox:never is not in the Engine and could not be pulled: /,
    );
    expect(await toolboxesOf(server.id)).toEqual([]);

    const before = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      const down = await runCli(['debug', server.id, '--', 'true']);
      expect(down.code).toBe(1);
      expect(plain(down.stderr).split('\n')[0]).toMatch(
        /^error: cannot reach the Docker Engine at unix:\/\/\/nonexistent\/docker\.sock \(inspect/,
      );
    } finally {
      if (before === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = before;
    }
  });

  it('asks the Engine for the target’s namespaces, ptrace rights and removal on exit', () => {
    expect(toolboxSpec('abc', 'busybox', { command: ['ps'], stdin: false, tty: false })).toMatchObject({
      Image: 'busybox',
      Cmd: ['ps'],
      AttachStdin: false,
      Tty: false,
      HostConfig: {
        PidMode: 'container:abc',
        NetworkMode: 'container:abc',
        CapAdd: ['SYS_PTRACE'],
        AutoRemove: true,
      },
    });
  });
});
