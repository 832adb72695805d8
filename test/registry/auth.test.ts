import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullImage } from '../../src/base/registry.js';
import { mutate } from '../../src/oci/index.js';
import { pushImage } from '../../src/publish/registry.js';
import { exec } from '../helpers/exec.js';
import { testImage } from '../helpers/images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

async function dockerConfig(dir: string, name: string, config: unknown): Promise<NodeJS.ProcessEnv> {
  const configDir = join(dir, name);
  await mkdir(configDir, { recursive: true });
  await writeFile(join(configDir, 'config.json'), JSON.stringify(config));
  return { ...process.env, DOCKER_CONFIG: configDir };
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('htpasswd (Basic) auth against the real registry', () => {
  let reg: TestRegistry;
  let dir: string;
  beforeAll(async () => {
    reg = await startRegistry({ auth: 'htpasswd' });
    dir = await tempDir();
  });
  afterAll(async () => reg?.stop());

  it('pushes and pulls with credentials from the Docker config auths', async () => {
    const env = await dockerConfig(dir, 'good', {
      auths: { [reg.host]: { auth: b64('minnow:s3cret-pass') } },
    });
    const image = await testImage(dir, [{ type: 'file', path: '/basic', source: Buffer.from('basic') }]);
    const res = await pushImage(`${reg.host}/auth/basic:v1`, { kind: 'image', image }, { env });
    expect(res.digest).toBe(await image.digest());
    const back = await pullImage(`${reg.host}/auth/basic:v1`, { env, cacheDir: false });
    expect(back.digest).toBe(res.digest);
    const inspect = JSON.parse(
      await exec('skopeo', [
        'inspect',
        '--tls-verify=false',
        '--creds',
        'minnow:s3cret-pass',
        `docker://${reg.host}/auth/basic:v1`,
      ]),
    ) as { Digest: string };
    expect(inspect.Digest).toBe(res.digest);
  });

  it('without credentials: one line naming the repository and how to log in', async () => {
    const env = await dockerConfig(dir, 'none', {});
    const err = await pullImage(`${reg.host}/auth/basic:v1`, { env, cacheDir: false }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((err as Error).message).toContain(`${reg.host}/auth/basic`);
    expect((err as { hint: string }).hint).toContain(`minnow login ${reg.host}`);
  });

  it('with a wrong password: UNAUTHORIZED, and the password appears nowhere in the error', async () => {
    const env = await dockerConfig(dir, 'bad', {
      auths: { [reg.host]: { auth: b64('minnow:wrong-pass-123') } },
    });
    const err = await pullImage(`${reg.host}/auth/basic:v1`, { env, cacheDir: false }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(
      JSON.stringify(err) + String((err as Error).message) + String((err as { hint?: string }).hint),
    ).not.toContain('wrong-pass-123');
  });

  it('reads credentials through a credsStore helper (docker-credential-*)', async () => {
    const bin = join(dir, 'bin');
    await mkdir(bin, { recursive: true });
    const helper = join(bin, 'docker-credential-minnowtest');
    await writeFile(
      helper,
      `#!/bin/sh\nread server\nif [ "$1" = get ] && [ "$server" = "${reg.host}" ]; then\n  echo '{"ServerURL":"${reg.host}","Username":"minnow","Secret":"s3cret-pass"}'\n  exit 0\nfi\necho "credentials not found in native keychain"\nexit 1\n`,
    );
    await chmod(helper, 0o755);
    const env = await dockerConfig(dir, 'store', { credsStore: 'minnowtest' });
    env.PATH = `${bin}:${process.env.PATH}`;
    const back = await pullImage(`${reg.host}/auth/basic:v1`, { env, cacheDir: false });
    expect(back.target.kind).toBe('image');
  });
});

describe('token (Bearer) auth against the real registry and a local token issuer', () => {
  let reg: TestRegistry;
  let dir: string;
  beforeAll(async () => {
    reg = await startRegistry({ auth: 'token' });
    dir = await tempDir();
  });
  afterAll(async () => reg?.stop());

  it('fetches one token per scope, reuses it, and the registry accepts the push', async () => {
    const env = await dockerConfig(dir, 'good', {
      auths: { [reg.host]: { auth: b64('minnow:s3cret-pass') } },
    });
    const image = await testImage(dir, [{ type: 'file', path: '/token', source: Buffer.from('token') }]);
    const before = reg.issuer!.requests.length;
    const res = await pushImage(
      `${reg.host}/auth/token:v1`,
      { kind: 'image', image },
      { env, concurrency: 4 },
    );
    expect(res.uploaded).toBe(2);
    const requests = reg.issuer!.requests.slice(before);
    // HEAD x2 (in parallel), POST+PUT x2 and the manifest PUT all share the one pull,push token.
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      user: 'minnow',
      scopes: ['repository:auth/token:pull,push'],
      service: 'minnow-test-registry',
    });
    const back = await pullImage(`${reg.host}/auth/token:v1`, { env, cacheDir: false });
    expect(back.digest).toBe(res.digest);
  });

  it('exchanges an identitytoken (OAuth2 refresh token) for access tokens', async () => {
    const env = await dockerConfig(dir, 'identity', {
      auths: { [reg.host]: { identitytoken: 'refresh-minnow' } },
    });
    const before = reg.issuer!.requests.length;
    const back = await pullImage(`${reg.host}/auth/token:v1`, { env, cacheDir: false });
    expect(back.target.kind).toBe('image');
    expect(reg.issuer!.requests.slice(before)).toEqual([
      {
        user: 'minnow',
        scopes: ['repository:auth/token:pull'],
        service: 'minnow-test-registry',
        grant: 'refresh',
      },
    ]);
  });

  it('mounts from another repository with a token scoped to both', async () => {
    const env = await dockerConfig(dir, 'good', {
      auths: { [reg.host]: { auth: b64('minnow:s3cret-pass') } },
    });
    const base = await pullImage(`${reg.host}/auth/token:v1`, { env, cacheDir: false });
    if (base.target.kind !== 'image') throw new Error('want image');
    const image = await mutate(base.target.image, { config: (c) => ({ ...c, config: { Cmd: ['/token'] } }) });
    const before = reg.issuer!.requests.length;
    const res = await pushImage(`${reg.host}/auth/mounted:v1`, { kind: 'image', image }, { env });
    expect(res).toMatchObject({ mounted: 1, uploaded: 1 });
    expect(reg.issuer!.requests.slice(before).map((r) => r.scopes)).toContainEqual([
      'repository:auth/mounted:pull,push',
      'repository:auth/token:pull',
    ]);
  });

  it('anonymous users are refused with a clear line naming the repository', async () => {
    const env = await dockerConfig(dir, 'anon', {});
    const err = await pullImage(`${reg.host}/auth/token:v1`, { env, cacheDir: false }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((err as Error).message).toMatch(new RegExp(`cannot pull ${reg.host}/auth/token:v1: unauthorized`));
  });

  it('wrong credentials are refused by the token endpoint', async () => {
    const env = await dockerConfig(dir, 'bad', { auths: { [reg.host]: { auth: b64('minnow:nope-nope') } } });
    const err = await pullImage(`${reg.host}/auth/token:v1`, { env, cacheDir: false }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((err as Error).message).toContain('refused the credentials');
    expect((err as Error).message).not.toContain('nope-nope');
  });
});
