import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rename } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from './docker.js';
import { exec } from './exec.js';

const SOURCE = fileURLToPath(new URL('../referrers-registry/', import.meta.url));
const CACHE = process.env.MINNOW_TEST_TOOLS ?? join(homedir(), '.cache', 'minnow-test-tools');

/**
 * Builds test/referrers-registry (go-containerregistry's registry with the referrers API on) through the Go
 * module proxy, once per version of its source: the binary is cached under a name hashed from go.mod, go.sum
 * and main.go.
 */
export async function referrersRegistryBinary(): Promise<string> {
  const hash = createHash('sha256');
  for (const f of ['go.mod', 'go.sum', 'main.go']) hash.update(await readFile(join(SOURCE, f)));
  const bin = join(CACHE, `referrers-registry-${hash.digest('hex').slice(0, 16)}`);
  if (
    await access(bin).then(
      () => true,
      () => false,
    )
  )
    return bin;
  await mkdir(CACHE, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  await exec('go', ['build', '-trimpath', '-o', tmp, '.'], {
    cwd: SOURCE,
    env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
  });
  await rename(tmp, bin);
  return bin;
}

export interface ReferrersRegistry {
  host: string;
  stop(): Promise<void>;
}

/** Starts the referrers-API registry on a free loopback port (in-memory storage: nothing to clean up). */
export async function startReferrersRegistry(): Promise<ReferrersRegistry> {
  const bin = await referrersRegistryBinary();
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const proc: ChildProcess = spawn(bin, ['-addr', host], { stdio: 'ignore' });
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`referrers-registry exited with ${proc.exitCode}`);
    const up = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(1000) }).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`referrers-registry did not answer on ${host}`);
    await sleep(50);
  }
  return {
    host,
    stop: async () => {
      if (proc.exitCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
