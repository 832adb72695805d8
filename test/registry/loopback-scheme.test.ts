import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullImage } from '../../src/base/registry.js';
import { pushImage } from '../../src/publish/registry.js';
import { RegistryClient } from '../../src/registry/client.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { testImage } from '../helpers/images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { selfSignedCert } from '../helpers/tls.js';

// Each test speaks to a proxy on a port of its own: which scheme a loopback host speaks is remembered per host
// for the whole process (transport.ts).
describe('the scheme of a loopback registry', () => {
  let reg: TestRegistry;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    reg = await startRegistry();
    dir = await tempDir();
    env = { ...process.env, DOCKER_CONFIG: join(dir, 'docker-config') };
  });
  afterAll(async () => reg?.stop());

  it('plain HTTP: the first request stands in for the probe, so no GET /v2/ is sent', async () => {
    const proxy = await startFaultProxy(reg.host);
    try {
      const image = await testImage(dir, [
        { type: 'file', path: '/plain.txt', source: Buffer.from('plain') },
      ]);
      const res = await pushImage(`${proxy.host}/scheme/plain:v1`, { kind: 'image', image }, { env });
      expect(res.uploaded).toBe(2);
      expect(proxy.seen.filter((l) => l.endsWith(' /v2/'))).toEqual([]);
      expect(proxy.seen[0]).toMatch(/^HEAD \/v2\/scheme\/plain\/manifests\//);
    } finally {
      await proxy.stop();
    }
  });

  it('TLS (a self-signed certificate): the plain-HTTP try is refused, the probe finds HTTPS, the push goes on', async () => {
    const tls = await selfSignedCert(dir, '127.0.0.1');
    const proxy = await startFaultProxy(reg.host, { tls });
    try {
      const image = await testImage(dir, [{ type: 'file', path: '/tls.txt', source: Buffer.from('tls') }]);
      const res = await pushImage(`${proxy.host}/scheme/tls:v1`, { kind: 'image', image }, { env });
      expect(res).toMatchObject({ uploaded: 2, digest: await image.digest() });
      // Every request the proxy answered came over TLS (it speaks nothing else), the probe's among them.
      expect(proxy.seen).toContain('GET /v2/');
      const pulled = await pullImage(`${proxy.host}/scheme/tls:v1`, { env, cacheDir: false });
      expect(pulled.digest).toBe(res.digest);
    } finally {
      await proxy.stop();
    }
  });

  it('a first answer of 503 is asked again with the usual retries; a 400 from a plain-HTTP registry stands', async () => {
    const proxy = await startFaultProxy(reg.host);
    try {
      let failures = 1;
      proxy.inject = (req) =>
        req.method === 'HEAD' && failures-- > 0 ? { status: 503, body: '{"errors":[]}' } : undefined;
      const image = await testImage(dir, [{ type: 'file', path: '/busy.txt', source: Buffer.from('busy') }]);
      const res = await pushImage(`${proxy.host}/scheme/busy:v1`, { kind: 'image', image }, { env });
      expect(res.uploaded).toBe(2);

      const other = await startFaultProxy(reg.host);
      try {
        other.inject = (req) =>
          req.url?.includes('/manifests/')
            ? { status: 400, body: '{"errors":[{"code":"NAME_INVALID","message":"no"}]}' }
            : undefined;
        const client = new RegistryClient({ env });
        const answer = await client.request(
          { registry: other.host, repository: 'scheme/bad' },
          { method: 'GET', path: 'manifests/v1' },
        );
        expect(answer.status).toBe(400);
        expect(await answer.body.text()).toContain('NAME_INVALID');
        // Tried over plain HTTP, then the probe (plain HTTP), then the request again.
        expect(other.seen).toEqual([
          'GET /v2/scheme/bad/manifests/v1',
          'GET /v2/',
          'GET /v2/scheme/bad/manifests/v1',
        ]);
        await client.close();
      } finally {
        await other.stop();
      }
    } finally {
      await proxy.stop();
    }
  });
});
