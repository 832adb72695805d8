import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullImage } from '../../src/base/registry.js';
import { formatError } from '../../src/cli/exit.js';
import { pushImage } from '../../src/publish/registry.js';
import { selfSignedCert } from '../helpers/tls.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { testImage } from '../helpers/images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

/** The CLI's rendering: one line, plus at most one hint line. */
function lines(err: unknown): string[] {
  return formatError(err).split('\n');
}

describe('bad input against a real registry', () => {
  let reg: TestRegistry;
  let proxy: FaultProxy;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    reg = await startRegistry();
    proxy = await startFaultProxy(reg.host);
    dir = await tempDir();
    env = { ...process.env, DOCKER_CONFIG: join(dir, 'docker-config') };
    const image = await testImage(dir, [{ type: 'file', path: '/x', source: Buffer.from('x') }]);
    await pushImage(`${reg.host}/bad/exists:v1`, { kind: 'image', image }, { env });
  });
  afterAll(async () => {
    await proxy?.stop();
    await reg?.stop();
  });
  const pull = (ref: string) =>
    pullImage(ref, { env, cacheDir: false, retry: { retries: 1, baseDelayMs: 5 } }).catch((e: unknown) => e);

  it('an unknown host fails fast with one line naming it', async () => {
    const err = await pull('registry.minnow-test.invalid/app:v1');
    expect(err).toMatchObject({ code: 'NETWORK' });
    expect((err as Error).message).toBe('cannot resolve registry host registry.minnow-test.invalid');
    expect(lines(err)).toHaveLength(2);
  });

  it('a repository the registry does not know: NOT_FOUND with the registry code', async () => {
    const err = await pull(`${reg.host}/bad/nothing-here:v1`);
    expect(err).toMatchObject({ code: 'NOT_FOUND' });
    // distribution 2.8 answers MANIFEST_UNKNOWN here; others say NAME_UNKNOWN.
    expect((err as Error).message).toMatch(
      new RegExp(
        `^cannot pull ${reg.host}/bad/nothing-here:v1: not found \\((name|manifest)_unknown: [a-z ]+\\)$`,
      ),
    );
  });

  it('a tag the repository does not have: NOT_FOUND naming the tag', async () => {
    const err = await pull(`${reg.host}/bad/exists:v2`);
    expect(err).toMatchObject({ code: 'NOT_FOUND' });
    expect((err as Error).message).toMatch(
      new RegExp(`cannot pull ${reg.host}/bad/exists:v2: not found \\(manifest_unknown`),
    );
  });

  it('403 DENIED on push: which repository, and what to do', async () => {
    proxy.inject = (req) =>
      req.method === 'POST'
        ? {
            status: 403,
            body: '{"errors":[{"code":"DENIED","message":"requesting access to the resource is denied"}]}',
          }
        : undefined;
    const image = await testImage(dir, [{ type: 'file', path: '/y', source: Buffer.from('y') }]);
    const err = await pushImage(`${proxy.host}/someone-else/app:v1`, { kind: 'image', image }, { env }).catch(
      (e: unknown) => e,
    );
    proxy.inject = () => undefined;
    expect(err).toMatchObject({ code: 'DENIED' });
    expect((err as Error).message).toMatch(
      new RegExp(
        `^cannot push to ${proxy.host}/someone-else/app: denied: requesting access to the resource is denied$`,
      ),
    );
    expect((err as { hint: string }).hint).toContain(`minnow login ${proxy.host}`);
    expect(lines(err)).toHaveLength(2);
  });

  it('a push reference pinned to another digest is refused before anything is sent', async () => {
    const image = await testImage(dir, [{ type: 'file', path: '/z', source: Buffer.from('z') }]);
    const before = proxy.seen.length;
    const err = await pushImage(
      `${proxy.host}/bad/pinned@sha256:${'1'.repeat(64)}`,
      { kind: 'image', image },
      { env },
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((err as Error).message).toContain(`the image's digest is ${await image.digest()}`);
    expect(proxy.seen.length).toBe(before);
  });

  it('a schema 1 manifest and an unknown media type are refused by name', async () => {
    proxy.inject = (req) => {
      if (req.method !== 'GET' || !req.url?.includes('/manifests/')) return undefined;
      if (req.url.includes('schema1')) {
        return {
          status: 200,
          headers: { 'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' },
          body: '{"schemaVersion":1,"name":"x","tag":"v1","fsLayers":[]}',
        };
      }
      return {
        status: 200,
        headers: { 'content-type': 'application/vnd.example.thing.v1+json' },
        body: '{"schemaVersion":2}',
      };
    };
    const s1 = await pull(`${proxy.host}/bad/schema1:v1`);
    const other = await pull(`${proxy.host}/bad/thing:v1`);
    proxy.inject = () => undefined;
    expect(s1).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect((s1 as Error).message).toBe(
      `${proxy.host}/bad/schema1:v1 is a Docker schema 1 image, which minnow does not read`,
    );
    expect(other).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect((other as Error).message).toContain('application/vnd.example.thing.v1+json');
  });

  it('a manifest that does not match the digest asked for is refused', async () => {
    const wrong = `sha256:${'0'.repeat(64)}`;
    proxy.inject = (req) =>
      req.method === 'GET' && req.url?.includes(wrong)
        ? {
            status: 200,
            headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
            body: '{"schemaVersion":2}',
          }
        : undefined;
    const err = await pull(`${proxy.host}/bad/pinned@${wrong}`);
    proxy.inject = () => undefined;
    expect(err).toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('TLS is verified for other hosts; --insecure-registry allows a self-signed or plain-HTTP one', async () => {
    const ip = externalIPv4();
    const tls = await selfSignedCert(dir, ip);
    const secure = await startFaultProxy(reg.host, { bind: ip, tls });
    const plain = await startFaultProxy(reg.host, { bind: ip });
    try {
      const opts = { env, cacheDir: false as const, retry: { retries: 0 } };
      const selfSigned = await pullImage(`${secure.host}/bad/exists:v1`, opts).catch((e: unknown) => e);
      expect(selfSigned).toMatchObject({
        code: 'NETWORK',
        hint: expect.stringContaining(`--insecure-registry ${secure.host}`),
      });
      expect((selfSigned as Error).message).toMatch(new RegExp(`^TLS connection to ${secure.host} failed`));
      const http = await pullImage(`${plain.host}/bad/exists:v1`, opts).catch((e: unknown) => e);
      expect(http).toMatchObject({ code: 'NETWORK' });
      expect(plain.seen).toEqual([]);
      const ok1 = await pullImage(`${secure.host}/bad/exists:v1`, {
        ...opts,
        insecureRegistries: [secure.host],
      });
      const ok2 = await pullImage(`${plain.host}/bad/exists:v1`, {
        ...opts,
        insecureRegistries: [plain.host],
      });
      expect(ok1.digest).toBe(ok2.digest);
    } finally {
      await secure.stop();
      await plain.stop();
    }
  });
});

function externalIPv4(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('this test needs a non-loopback IPv4 address');
}
