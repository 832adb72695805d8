import { readFile } from 'node:fs/promises';
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

  it('refuses to run without a password source, with a hint', async () => {
    const res = await cli(['login', reg.host, '-u', 'minnow']);
    expect(res.status).toBe(2);
    expect(res.err).toContain('--password-stdin');
  });
});
