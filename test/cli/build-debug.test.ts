import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readLayout } from '../../src/base/layout.js';
import { debugEntrypoint } from '../../src/build/debug.js';
import { DELVE_VERSION } from '../../src/go/delve.js';
import { tempDir } from '../helpers/tmp.js';
import { exec } from '../helpers/exec.js';
import { freePort, httpGetWhenUp, runServer, type RunningContainer } from '../helpers/docker.js';
import { HELLO_DIR } from '../go/go-fixtures.js';
import { plain, runCli } from './build-helpers.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const HELLO = 'Hello from the smallest Go container!';
const image = `minnow-test-debug/hello:${randomBytes(4).toString('hex')}`;
const servers: RunningContainer[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop();
  await exec('docker', ['rmi', '-f', image]).catch(() => undefined);
});

/** A `dlv connect` session: commands go to its stdin, and `until` waits (bounded) for its output to match. */
function dlvConnect(address: string): {
  send(line: string): void;
  until(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited(timeoutMs?: number): Promise<number | null>;
  output(): string;
  kill(): void;
} {
  const child = spawn('dlv', ['connect', address], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  // 'exit', not 'close': dlv's telemetry child holds the output pipes open after dlv itself has gone.
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    send: (line) => child.stdin.write(`${line}\n`),
    async until(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(out)) {
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`dlv never printed ${String(pattern)}; it printed:\n${out}`);
        }
        await sleep(100);
      }
      return out;
    },
    exited: (timeoutMs = 30_000) =>
      Promise.race([
        exited,
        sleep(timeoutMs).then(() => {
          throw new Error(`dlv did not exit within ${timeoutMs} ms`);
        }),
      ]),
    output: () => out,
    kill: () => child.kill('SIGKILL'),
  };
}

describe('minnow build --debug', () => {
  it(
    'runs the app under Delve in the Engine: dlv connect stops at a breakpoint in the handler, the app answers HTTP, non-root',
    async () => {
      const debugPort = await freePort();
      const built = await runCli([
        'build',
        HELLO_DIR,
        '--debug',
        '--debug-port',
        String(debugPort),
        '-o',
        `daemon:${image}`,
        '--json',
      ]);
      expect(plain(built.stderr)).toBe('');
      expect(built.code).toBe(0);
      const summary = JSON.parse(built.stdout) as { entrypoint: string[]; user: string; layers: number };
      expect(summary.entrypoint).toEqual([
        '/app/dlv',
        'exec',
        '--headless',
        `--listen=:${debugPort}`,
        '--api-version=2',
        '--accept-multiclient',
        '--continue',
        '--',
        '/app/hello',
      ]);
      expect(summary.user).toBe('65532:65532');
      // The static base, dlv in a layer of its own, then the app.
      expect(summary.layers).toBe(3);
      const inspected = JSON.parse(await exec('docker', ['image', 'inspect', image])) as Array<{
        Config: { ExposedPorts?: Record<string, unknown>; User: string };
        RootFS: { Layers: string[] };
      }>;
      expect(Object.keys(inspected[0]?.Config.ExposedPorts ?? {})).toContain(`${debugPort}/tcp`);
      expect(inspected[0]?.RootFS.Layers).toHaveLength(3);

      const server = await runServer(image);
      const [id, appPort] = [server.id, server.port];
      servers.push(server);
      // --continue: the app runs at once, without a client attached.
      expect(await httpGetWhenUp(appPort, 30_000)).toBe(HELLO);

      const dlv = dlvConnect(`127.0.0.1:${debugPort}`);
      try {
        dlv.send('break main.main.func1');
        await dlv.until(/Breakpoint 1 set at .* for main\.main\.func1\(\) hello\/main\.go:12/);
        dlv.send('continue');
        // The request stops in the handler until the debugger lets it go.
        const request = fetch(`http://127.0.0.1:${appPort}/`, { signal: AbortSignal.timeout(60_000) });
        await dlv.until(/\[Breakpoint 1\] main\.main\.func1\(\) hello\/main\.go:12/);
        dlv.send('goroutines');
        await dlv.until(/\* Goroutine \d+ - User: hello\/main\.go:12 main\.main\.func1/);
        dlv.send('clear 1');
        await dlv.until(/Breakpoint 1 cleared/);
        // Let the app go on and disconnect, leaving it running: the stopped request then completes.
        dlv.send('quit -c');
        expect(await dlv.exited()).toBe(0);
        expect(await (await request).text()).toBe(HELLO);
      } catch (err) {
        dlv.kill();
        throw new Error(`${String(err)}\ndlv output:\n${dlv.output()}`);
      }
      expect(await httpGetWhenUp(appPort)).toBe(HELLO);
      // Delve and the app both run as the image's user, not root.
      // The Engine needs a pid column to map ps output to the container's processes.
      const top = await exec('docker', ['top', id, '-eo', 'pid,uid,args']);
      const rows = top
        .trim()
        .split('\n')
        .slice(1)
        .map((r) => r.trim().split(/\s+/).slice(1).join(' '));
      expect(rows).toContain('65532 /app/hello');
      expect(rows.some((r) => r.startsWith('65532 /app/dlv exec --headless'))).toBe(true);
      expect(rows.filter((r) => !r.startsWith('65532 '))).toEqual([]);
    },
    15 * 60_000,
  );

  it(
    'resolve --debug puts the debug variant of each referenced package where --output says',
    async () => {
      const layout = join(await tempDir(), 'images');
      const run = await runCli([
        'resolve',
        '-f',
        join(FIXTURES, 'k8s', 'cronjob.yaml'),
        '-C',
        join(FIXTURES, 'goapps'),
        '--debug',
        '--debug-port',
        '41001',
        '-o',
        `oci:${layout}`,
        '-q',
      ]);
      expect(plain(run.stderr)).toBe('');
      expect(run.code).toBe(0);
      const target = await readLayout(layout, { tag: 'gamma' });
      if (target.kind !== 'image') throw new Error('expected an image');
      const config = await target.image.configFile();
      expect(config.config?.Entrypoint).toEqual(debugEntrypoint(['/app/gamma'], 41001));
      expect(config.config?.User).toBe('65532:65532');
      const history = (config.history ?? []).map((h) => h.created_by ?? '');
      expect(history).toContainEqual(expect.stringMatching(/^minnow build --debug: dlv v\d/));
    },
    15 * 60_000,
  );

  it('refuses --debug-port without --debug, and a port out of range, before building (exit 2)', async () => {
    const alone = await runCli(['build', HELLO_DIR, '--debug-port', '4000']);
    expect(alone.code).toBe(2);
    expect(plain(alone.stderr)).toMatch(/--debug-port needs --debug/);
    const bad = await runCli(['build', HELLO_DIR, '--debug', '--debug-port', '70000']);
    expect(bad.code).toBe(2);
    expect(plain(bad.stderr)).toMatch(/invalid --debug-port 70000/);
  });

  it('refuses a platform Delve cannot debug (exit 2)', async () => {
    const run = await runCli(['build', HELLO_DIR, '--debug', '--platform', 'linux/s390x']);
    expect(run.code).toBe(2);
    expect(plain(run.stderr)).toMatch(/Delve does not run on linux\/s390x/);
  });

  it('pins the same Delve the host tools install', async () => {
    const script = await readFile(new URL('../../scripts/install-go-tools.sh', import.meta.url), 'utf8');
    expect(script).toContain(`github.com/go-delve/delve/cmd/dlv|${DELVE_VERSION}`);
    expect(await exec('dlv', ['version'])).toContain(`Version: ${DELVE_VERSION.slice(1)}`);
  });
});
