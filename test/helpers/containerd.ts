import { spawn } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { exec } from './exec.js';

/** A containerd of the test's own (Debian's `containerd`), on its own socket, root and state directories. */
export interface TestContainerd {
  socket: string;
  /** Runs `ctr -a SOCKET ARGS` and returns its stdout. */
  ctr(args: string[]): Promise<string>;
  /** Stops containerd (SIGTERM, then SIGKILL after 10 s) and removes its directories. */
  stop(): Promise<void>;
}

/** Starts containerd under `dir` and waits (at most 20 s) until it answers. */
export async function startContainerd(dir: string): Promise<TestContainerd> {
  const root = join(dir, 'root');
  const state = join(dir, 'state');
  const socket = join(dir, 'containerd.sock');
  await mkdir(root, { recursive: true });
  await mkdir(state, { recursive: true });
  const config = join(dir, 'config.toml');
  await writeFile(
    config,
    [
      'version = 2',
      `root = "${root}"`,
      `state = "${state}"`,
      '[grpc]',
      `  address = "${socket}"`,
      '[ttrpc]',
      `  address = "${socket}.ttrpc"`,
      '[debug]',
      '  address = ""',
      '[metrics]',
      '  address = ""',
      // No CRI (Kubernetes) service: the tests only use ctr.
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    ].join('\n'),
  );
  const proc = spawn('containerd', ['--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const ctr = (args: string[]): Promise<string> => exec('ctr', ['-a', socket, ...args]);
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`containerd exited: ${log}`);
    if (await stat(socket).catch(() => undefined)) {
      if (
        await ctr(['version']).then(
          () => true,
          () => false,
        )
      )
        break;
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`containerd did not answer within 20 s: ${log}`);
    }
    await sleep(200);
  }
  return {
    socket,
    ctr,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
      // Snapshots may still be mounted by a task that outlived its kill: unmount before removing.
      await exec('sh', ['-c', `grep -o " ${dir}[^ ]*" /proc/mounts | xargs -r -n1 umount -l`]).catch(
        () => '',
      );
      await rm(dir, { recursive: true, force: true });
    },
  };
}
