import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './docker.js';
import { exec } from './exec.js';
import { startTokenIssuer, type TokenIssuer } from './token-issuer.js';

export type RegistryAuth = 'none' | 'htpasswd' | 'token';

export interface StartRegistryOptions {
  auth?: RegistryAuth;
  /** Users for htpasswd and token auth. Default: one user `minnow` with password `s3cret-pass`. */
  users?: Record<string, string>;
}

export interface TestRegistry {
  /** `127.0.0.1:PORT`, the registry part of references. */
  host: string;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  port: number;
  /** The storage directory (kept across restarts). */
  storage: string;
  users: Record<string, string>;
  /** The token issuer, when auth is 'token'. */
  issuer?: TokenIssuer;
  /** Kills the registry process (SIGKILL), keeping its storage, as a crash would. */
  kill(): Promise<void>;
  /** Starts the registry again on the same port and storage. */
  start(): Promise<void>;
  /** Stops everything and removes the storage. */
  stop(): Promise<void>;
}

export const DEFAULT_USERS = { minnow: 's3cret-pass' };

function configYaml(port: number, storage: string, auth: string): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storage}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    // A fixed secret, as a real deployment behind a load balancer has, so upload sessions survive a restart.
    '  secret: minnow-test-registry-secret',
    auth,
  ].join('\n');
}

async function waitUp(url: string, proc: ChildProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`docker-registry exited with ${proc.exitCode}`);
    try {
      await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`docker-registry did not answer on ${url}`);
}

/**
 * Starts Debian's `docker-registry` (the CNCF distribution registry) on 127.0.0.1 on a free port with a temp
 * storage dir. Auth: none; htpasswd (bcrypt, from `htpasswd -Bbn`); or token (a local issuer signing ES256 JWTs
 * with a certificate chain the registry trusts through `rootcertbundle`).
 */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  const auth = options.auth ?? 'none';
  const users = options.users ?? DEFAULT_USERS;
  const dir = await mkdtemp(join(tmpdir(), 'minnow-registry-'));
  const storage = join(dir, 'storage');
  await mkdir(storage);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let issuer: TokenIssuer | undefined;
  let authYaml = '';
  if (auth === 'htpasswd') {
    const lines: string[] = [];
    for (const [user, pass] of Object.entries(users)) {
      lines.push((await exec('htpasswd', ['-Bbn', user, pass])).trim());
    }
    await writeFile(join(dir, 'htpasswd'), `${lines.join('\n')}\n`);
    authYaml = ['auth:', '  htpasswd:', '    realm: minnow-test', `    path: ${join(dir, 'htpasswd')}`].join(
      '\n',
    );
  } else if (auth === 'token') {
    issuer = await startTokenIssuer({ dir, users, service: 'minnow-test-registry' });
    authYaml = [
      'auth:',
      '  token:',
      `    realm: ${issuer.realm}`,
      `    service: ${issuer.service}`,
      `    issuer: ${issuer.issuer}`,
      `    rootcertbundle: ${issuer.rootCertPath}`,
    ].join('\n');
  }
  const configPath = join(dir, 'config.yml');
  await writeFile(configPath, configYaml(port, storage, authYaml));
  const log = createWriteStream(join(dir, 'registry.log'), { flags: 'a' });
  let proc: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const p = spawn('docker-registry', ['serve', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout?.pipe(log, { end: false });
    p.stderr?.pipe(log, { end: false });
    proc = p;
    await waitUp(url, p);
  };
  const kill = async (): Promise<void> => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    host: `127.0.0.1:${port}`,
    url,
    port,
    storage,
    users,
    issuer,
    kill,
    start,
    stop: async () => {
      await kill();
      await issuer?.stop();
      log.end();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
