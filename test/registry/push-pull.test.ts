import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullImage } from '../../src/base/registry.js';
import { assertValid } from '../../src/oci/index.js';
import { pushImage } from '../../src/publish/registry.js';
import { RegistryClient } from '../../src/registry/client.js';
import { blobOrigins } from '../../src/registry/origins.js';
import { exec } from '../helpers/exec.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { testImage } from '../helpers/images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { selfSignedCert } from '../helpers/tls.js';

describe('push and pull against an anonymous registry', () => {
  let reg: TestRegistry;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    reg = await startRegistry();
    dir = await tempDir();
    env = { ...process.env, DOCKER_CONFIG: join(dir, 'docker-config') };
  });
  afterAll(async () => reg?.stop());

  it('pushes an image, skopeo sees it, and it pulls back verified', async () => {
    const image = await testImage(dir, [{ type: 'file', path: '/hello.txt', source: Buffer.from('hi') }]);
    const res = await pushImage(
      `${reg.host}/minnow/hello:v1`,
      { kind: 'image', image },
      { env, tags: ['latest'] },
    );
    expect(res.digest).toBe(await image.digest());
    expect(res.ref).toBe(`${reg.host}/minnow/hello@${res.digest}`);
    expect(res.uploaded).toBe(2);
    const inspect = JSON.parse(
      await exec('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.host}/minnow/hello:v1`]),
    ) as { Digest: string; Layers: string[] };
    expect(inspect.Digest).toBe(res.digest);
    const pulled = await pullImage(`${reg.host}/minnow/hello:latest`, { env, cacheDir: join(dir, 'cache') });
    expect(pulled.digest).toBe(res.digest);
    if (pulled.target.kind !== 'image') throw new Error('want image');
    await assertValid(pulled.target.image);
    const again = await pushImage(`${reg.host}/minnow/hello:v1`, { kind: 'image', image }, { env });
    expect(again.uploaded).toBe(0);
    expect(again.existing).toBe(2);
  });

  it('pushing an image the registry already has by digest writes only a tag that does not name it yet; a new one asks about its blobs while the manifest HEADs are out', async () => {
    const proxy = await startFaultProxy(reg.host);
    try {
      const image = await testImage(dir, [
        { type: 'file', path: '/again.txt', source: Buffer.from('again') },
      ]);
      const digest = await image.digest();
      // The manifest HEADs of a first push are held until both blob HEADs arrived: a push that waited for the
      // manifest's answer before asking about blobs would find them released only by the timeout.
      let blobHeads = 0;
      let bothAsked = (): void => undefined;
      const asked = new Promise<boolean>((resolve) => {
        bothAsked = () => resolve(true);
        setTimeout(() => resolve(false), 5000).unref();
      });
      proxy.tamper = (req) => {
        if (req.method !== 'HEAD') return undefined;
        if (req.url?.includes('/manifests/')) return { holdUntil: asked };
        if (req.url?.includes('/blobs/') && ++blobHeads === 2) bothAsked();
        return undefined;
      };
      const first = await pushImage(`${proxy.host}/minnow/again:v1`, { kind: 'image', image }, { env });
      proxy.tamper = () => undefined;
      expect(first.uploaded).toBe(2);
      expect(await asked).toBe(true);
      const calls = proxy.seen.filter((l) => !l.endsWith(' /v2/'));
      // The manifest by digest and the tag, and both blobs, before any upload.
      expect(calls.slice(0, 4).sort()).toEqual(
        [
          `HEAD /v2/minnow/again/manifests/${digest}`,
          'HEAD /v2/minnow/again/manifests/v1',
          ...calls.filter((l) => l.startsWith('HEAD /v2/minnow/again/blobs/')),
        ].sort(),
      );
      expect(calls.filter((l) => l.startsWith('HEAD /v2/minnow/again/blobs/'))).toHaveLength(2);

      // The repository now holds these blobs: the manifest's answer comes first, and it is there.
      proxy.seen.length = 0;
      const second = await pushImage(`${proxy.host}/minnow/again:v2`, { kind: 'image', image }, { env });
      expect(second).toMatchObject({ digest, uploaded: 0, existing: 2, mounted: 0 });
      const seen = proxy.seen.filter((l) => !l.endsWith(' /v2/'));
      expect(seen.slice(0, 2).sort()).toEqual([
        `HEAD /v2/minnow/again/manifests/${digest}`,
        'HEAD /v2/minnow/again/manifests/v2',
      ]);
      expect(seen.slice(2)).toEqual(['PUT /v2/minnow/again/manifests/v2']);

      // Pushed again under tags that already name it (and one that names another image): only that one is
      // written; the result still names every tag.
      const other = await testImage(dir, [
        { type: 'file', path: '/other.txt', source: Buffer.from('other') },
      ]);
      await pushImage(`${proxy.host}/minnow/again:elsewhere`, { kind: 'image', image: other }, { env });
      proxy.seen.length = 0;
      const third = await pushImage(
        `${proxy.host}/minnow/again:v2`,
        { kind: 'image', image },
        { env, tags: ['v1', 'elsewhere'] },
      );
      expect(third).toMatchObject({ digest, uploaded: 0, existing: 2 });
      expect(third.tags).toEqual(['v2', 'v1', 'elsewhere'].map((t) => `${proxy.host}/minnow/again:${t}`));
      expect(proxy.seen.filter((l) => !l.startsWith('HEAD ') && !l.endsWith(' /v2/'))).toEqual([
        'PUT /v2/minnow/again/manifests/elsewhere',
      ]);
      const inspect = JSON.parse(
        await exec('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.host}/minnow/again:v2`]),
      ) as { Digest: string };
      expect(inspect.Digest).toBe(digest);
    } finally {
      await proxy.stop();
    }
  });
  it('mounts a blob another repository holds without asking about it first, and uploads it when the mount is refused', async () => {
    const proxy = await startFaultProxy(reg.host);
    try {
      const image = await testImage(dir, [
        { type: 'file', path: '/mount.txt', source: Buffer.from('mount') },
      ]);
      const manifest = await image.manifest();
      const blobs = [manifest.config.digest, ...manifest.layers.map((l) => l.digest)];
      await pushImage(`${proxy.host}/minnow/source:v1`, { kind: 'image', image }, { env });

      proxy.seen.length = 0;
      const mounted = await pushImage(`${proxy.host}/minnow/mounted:v1`, { kind: 'image', image }, { env });
      expect(mounted).toMatchObject({ uploaded: 0, existing: 0, mounted: 2 });
      const seen = proxy.seen.filter((l) => !l.endsWith(' /v2/'));
      expect(seen.filter((l) => l.includes('/blobs/') && l.startsWith('HEAD '))).toEqual([]);
      for (const d of blobs)
        expect(seen).toContain(
          `POST /v2/minnow/mounted/blobs/uploads/?mount=${encodeURIComponent(d)}&from=minnow%2Fsource`,
        );

      // A hint that has gone stale (the registry refuses the mount): the blob is uploaded, and the hint dropped.
      const other = await testImage(dir, [
        { type: 'file', path: '/other-mount.txt', source: Buffer.from('x') },
      ]);
      const layer = (await other.manifest()).layers[0]!.digest;
      blobOrigins.remember(layer, { registry: proxy.host, repository: 'minnow/gone' });
      const refused = await pushImage(
        `${proxy.host}/minnow/refused:v1`,
        { kind: 'image', image: other },
        { env },
      );
      expect(refused).toMatchObject({ uploaded: 2, mounted: 0 });
      expect(blobOrigins.on(layer, proxy.host, 'minnow/refused')).toBeUndefined();
      const inspect = JSON.parse(
        await exec('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.host}/minnow/refused:v1`]),
      ) as { Digest: string };
      expect(inspect.Digest).toBe(refused.digest);
    } finally {
      await proxy.stop();
    }
  });

  // Each scheme test speaks to a proxy on a port of its own: which scheme a loopback host speaks is remembered
  // per host for the whole process (transport.ts).
  it('a loopback registry over plain HTTP: the first request stands in for the scheme probe, so no GET /v2/ is sent', async () => {
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

  it('a loopback registry over TLS (self-signed): the plain-HTTP try is refused, the probe finds HTTPS, the push goes on', async () => {
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

  it('on loopback, a first answer of 503 is asked again with the usual retries; a 400 from a plain-HTTP registry stands', async () => {
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
