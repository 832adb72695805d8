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

  it('pushing an image the registry already has by digest writes only a tag that does not name it yet; a new one HEADs the manifest first', async () => {
    const proxy = await startFaultProxy(reg.host);
    try {
      const image = await testImage(dir, [
        { type: 'file', path: '/again.txt', source: Buffer.from('again') },
      ]);
      const digest = await image.digest();
      const first = await pushImage(`${proxy.host}/minnow/again:v1`, { kind: 'image', image }, { env });
      expect(first.uploaded).toBe(2);
      const calls = proxy.seen.filter((l) => !l.endsWith(' /v2/'));
      // The manifest by digest and the tag, side by side, before anything else.
      expect(calls.slice(0, 2).sort()).toEqual([
        `HEAD /v2/minnow/again/manifests/${digest}`,
        'HEAD /v2/minnow/again/manifests/v1',
      ]);
      expect(calls.filter((l) => l.startsWith('HEAD /v2/minnow/again/blobs/'))).toHaveLength(2);

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
});
