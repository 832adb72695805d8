import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { exec } from './exec.js';

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** GETs http://127.0.0.1:port/ until it answers (or the deadline passes); returns the body. */
export async function httpGetWhenUp(port: number, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
      return await res.text();
    } catch (err) {
      last = err;
      await sleep(150);
    }
  }
  throw new Error(`nothing answered on 127.0.0.1:${port}: ${String(last)}`);
}

export interface RunningContainer {
  id: string;
  port: number;
  /** UID of the container's main process, as the host sees it. */
  uid(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Runs an image that serves HTTP (the hello example honours PORT) with host networking, a read-only root and
 * no capabilities, on a free loopback port.
 */
export async function runServer(image: string, extraArgs: string[] = []): Promise<RunningContainer> {
  const port = await freePort();
  const id = (
    await exec('docker', [
      'run',
      '-d',
      '--rm',
      '--network',
      'host',
      '--read-only',
      '--cap-drop',
      'ALL',
      '-e',
      `PORT=${port}`,
      ...extraArgs,
      image,
    ])
  ).trim();
  return {
    id,
    port,
    uid: async () => {
      // The Engine needs a pid column to map ps output to the container's processes.
      const out = await exec('docker', ['top', id, '-eo', 'pid,uid']);
      return Number(out.trim().split('\n')[1]?.trim().split(/\s+/)[1]);
    },
    stop: async () => {
      await exec('docker', ['rm', '-f', id]).catch(() => undefined);
    },
  };
}
