import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { pullImage } from '../../../src/base/registry.js';
import { main } from '../../../src/cli/main.js';
import { pushImage } from '../../../src/publish/registry.js';
import { testImage } from '../../helpers/images.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { tempDir } from '../../helpers/tmp.js';

/** Runs the CLI in-process with `input` on stdin; returns the exit status and what it printed. */
async function cli(args: string[], input = ''): Promise<{ status: number; out: string; err: string }> {
  const stdin = Object.getOwnPropertyDescriptor(process, 'stdin');
  Object.defineProperty(process, 'stdin', { value: Readable.from([Buffer.from(input)]), configurable: true });
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((out += String(c)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((err += String(c)), true));
  try {
    const status = await main(['node', 'minnow', ...args]);
    return { status, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    if (stdin) Object.defineProperty(process, 'stdin', stdin);
  }
}

describe('minnow login / logout', () => {
  let reg: TestRegistry;
  let dir: string;
  const saved = process.env.DOCKER_CONFIG;
  beforeAll(async () => {
    reg = await startRegistry({ auth: 'token' });
    dir = await tempDir();
    process.env.DOCKER_CONFIG = join(dir, 'docker');
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = saved;
    await reg?.stop();
  });

  it('checks the password against the registry, then writes Docker’s config format; the secret is never printed', async () => {
    const bad = await cli(['login', reg.host, '-u', 'minnow', '--password-stdin'], 'not-the-password\n');
    expect(bad.status).toBe(1);
    expect(bad.err).toMatch(/error:.*refused the credentials/);
    // The hint says what to check, not "log in with minnow login" while logging in.
    expect(bad.err).toMatch(/hint: check the user name and the password or token/);
    expect(bad.err).not.toMatch(/hint:.*minnow login/);
    expect(bad.err + bad.out).not.toContain('not-the-password');

    const ok = await cli(['login', reg.host, '-u', 'minnow', '--password-stdin'], 's3cret-pass\n');
    expect(ok.status).toBe(0);
    expect(ok.out).toContain(`Login succeeded: minnow at ${reg.host}`);
    expect(ok.out + ok.err).not.toContain('s3cret-pass');
    const config = JSON.parse(await readFile(join(dir, 'docker', 'config.json'), 'utf8')) as {
      auths: Record<string, { auth: string }>;
    };
    expect(Buffer.from(config.auths[reg.host]!.auth, 'base64').toString()).toBe('minnow:s3cret-pass');

    // The library now finds the credentials on its own.
    const image = await testImage(dir, [{ type: 'file', path: '/login', source: Buffer.from('login') }]);
    const pushed = await pushImage(`${reg.host}/cli/login:v1`, { kind: 'image', image });
    expect(pushed.digest).toBe(await image.digest());

    const out = await cli(['logout', reg.host]);
    expect(out.status).toBe(0);
    expect(out.out).toContain(`Removed the credentials for ${reg.host}`);
    const after = JSON.parse(await readFile(join(dir, 'docker', 'config.json'), 'utf8')) as { auths: object };
    expect(after.auths).toEqual({});
    await expect(pullImage(`${reg.host}/cli/login:v1`, { cacheDir: false })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    expect((await cli(['logout', reg.host])).out).toContain('Not logged in');
  });

  it('stores through the credsStore helper when one is configured, as docker login does', async () => {
    const bin = join(dir, 'bin');
    const store = join(dir, 'helper-store.json');
    await mkdir(bin, { recursive: true });
    await writeFile(
      join(bin, 'docker-credential-minnowfile'),
      [
        '#!/bin/sh',
        `STORE=${store}`,
        'case "$1" in',
        '  store) cat > "$STORE" ;;',
        '  get) read s; if [ -f "$STORE" ]; then sed \'s/"ServerURL":"[^"]*",//\' "$STORE"; else echo "credentials not found in native keychain"; exit 1; fi ;;',
        '  erase) rm -f "$STORE" ;;',
        'esac',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const configDir = join(dir, 'docker-helper');
    await mkdir(configDir, { recursive: true });
    await writeFile(
      join(configDir, 'config.json'),
      JSON.stringify({ credsStore: 'minnowfile', experimental: 'keep-me' }),
    );
    const savedPath = process.env.PATH;
    process.env.DOCKER_CONFIG = configDir;
    process.env.PATH = `${bin}:${savedPath}`;
    try {
      const ok = await cli(['login', reg.host, '-u', 'minnow', '--password-stdin'], 's3cret-pass');
      expect(ok.status).toBe(0);
      const config = JSON.parse(await readFile(join(configDir, 'config.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      expect(config).toEqual({
        credsStore: 'minnowfile',
        experimental: 'keep-me',
        auths: { [reg.host]: {} },
      });
      expect(JSON.parse(await readFile(store, 'utf8'))).toEqual({
        ServerURL: reg.host,
        Username: 'minnow',
        Secret: 's3cret-pass',
      });
      const back = await pullImage(`${reg.host}/cli/login:v1`, { cacheDir: false });
      expect(back.target.kind).toBe('image');
      expect((await cli(['logout', reg.host])).status).toBe(0);
      await expect(readFile(store)).rejects.toThrow();
    } finally {
      process.env.PATH = savedPath;
      process.env.DOCKER_CONFIG = join(dir, 'docker');
    }
  });

  it('refuses to run without a password source, with a hint', async () => {
    const res = await cli(['login', reg.host, '-u', 'minnow']);
    expect(res.status).toBe(2);
    expect(res.err).toContain('--password-stdin');
  });
});
