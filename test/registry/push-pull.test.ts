import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullImage } from '../../src/base/registry.js';
import { assertValid } from '../../src/oci/index.js';
import { pushImage } from '../../src/publish/registry.js';
import { exec } from '../helpers/exec.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { testImage } from '../helpers/images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

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

  it('pushing an image the registry already has by digest writes only the tag; a new one HEADs the manifest first', async () => {
    const proxy = await startFaultProxy(reg.host);
    try {
      const image = await testImage(dir, [
        { type: 'file', path: '/again.txt', source: Buffer.from('again') },
      ]);
      const digest = await image.digest();
      const first = await pushImage(`${proxy.host}/minnow/again:v1`, { kind: 'image', image }, { env });
      expect(first.uploaded).toBe(2);
      const calls = proxy.seen.filter((l) => !l.endsWith(' /v2/'));
      expect(calls[0]).toBe(`HEAD /v2/minnow/again/manifests/${digest}`);
      expect(calls.filter((l) => l.startsWith('HEAD /v2/minnow/again/blobs/'))).toHaveLength(2);

      proxy.seen.length = 0;
      const second = await pushImage(`${proxy.host}/minnow/again:v2`, { kind: 'image', image }, { env });
      expect(second).toMatchObject({ digest, uploaded: 0, existing: 2, mounted: 0 });
      expect(proxy.seen.filter((l) => !l.endsWith(' /v2/'))).toEqual([
        `HEAD /v2/minnow/again/manifests/${digest}`,
        'PUT /v2/minnow/again/manifests/v2',
      ]);
      const inspect = JSON.parse(
        await exec('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.host}/minnow/again:v2`]),
      ) as { Digest: string };
      expect(inspect.Digest).toBe(digest);
    } finally {
      await proxy.stop();
    }
  });
});
