import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullImage } from '../../src/base/registry.js';
import { mutate, type Image } from '../../src/oci/index.js';
import { pushImage } from '../../src/publish/registry.js';
import { RegistryClient } from '../../src/registry/client.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { testImage } from '../helpers/images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { alpineImage } from './fixtures.js';

const fast = { retry: { baseDelayMs: 20, maxDelayMs: 3000 } };

describe('registry faults', () => {
  let reg: TestRegistry;
  let proxy: FaultProxy;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    reg = await startRegistry();
    proxy = await startFaultProxy(reg.host);
    dir = await tempDir();
    env = { ...process.env, DOCKER_CONFIG: join(dir, 'docker-config') };
  });
  afterAll(async () => {
    await proxy?.stop();
    await reg?.stop();
  });

  it('retries a 500 and then succeeds', async () => {
    const image = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from('500 then 200') }]);
    let failures = 0;
    proxy.inject = (req) => {
      if (req.method === 'PUT' && req.url?.includes('/manifests/') && failures < 2) {
        failures++;
        return { status: 500, body: '{"errors":[{"code":"UNKNOWN","message":"injected"}]}' };
      }
      return undefined;
    };
    const res = await pushImage(
      `${proxy.host}/faults/five-hundred:v1`,
      { kind: 'image', image },
      { env, ...fast },
    );
    proxy.inject = () => undefined;
    expect(failures).toBe(2);
    expect(res.digest).toBe(await image.digest());
    const back = await pullImage(`${reg.host}/faults/five-hundred:v1`, { env, cacheDir: false });
    expect(back.digest).toBe(res.digest);
  });

  it('honours Retry-After on 429', async () => {
    const image = await testImage(dir, [{ type: 'file', path: '/b', source: Buffer.from('rate limited') }]);
    let limited = 0;
    proxy.inject = (req) => {
      if (req.method === 'HEAD' && req.url?.includes('/blobs/') && limited === 0) {
        limited++;
        return {
          status: 429,
          headers: { 'retry-after': '1' },
          body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}',
        };
      }
      return undefined;
    };
    const started = Date.now();
    const res = await pushImage(
      `${proxy.host}/faults/rate-limited:v1`,
      { kind: 'image', image },
      { env, ...fast, concurrency: 1 },
    );
    proxy.inject = () => undefined;
    expect(limited).toBe(1);
    // The backoff alone would be ~20 ms; the server asked for a second.
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(res.digest).toBe(await image.digest());
  });

  it('gives up on persistent 503 with one clear line, and the tag is never written', async () => {
    const image = await testImage(dir, [{ type: 'file', path: '/c', source: Buffer.from('always failing') }]);
    proxy.inject = (req) =>
      req.method === 'POST'
        ? { status: 503, body: '{"errors":[{"code":"UNAVAILABLE","message":"maintenance"}]}' }
        : undefined;
    const err = await pushImage(
      `${proxy.host}/faults/unavailable:v1`,
      { kind: 'image', image },
      {
        env,
        retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 20 },
      },
    ).catch((e: unknown) => e);
    proxy.inject = () => undefined;
    expect(err).toMatchObject({ code: 'REGISTRY_ERROR' });
    expect((err as Error).message).toMatch(/faults\/unavailable.*503.*maintenance/);
    expect((err as Error).message).not.toContain('\n');
    expect(proxy.seen.some((s) => s.startsWith('PUT') && s.includes('/faults/unavailable/manifests/'))).toBe(
      false,
    );
  });

  it('survives the registry being killed and restarted mid-push', async () => {
    const base = await alpineImage('amd64');
    const image = await mutate(base, {});
    let killed = false;
    let retried = 0;
    const restarted: Promise<void>[] = [];
    const res = await pushImage(
      `${reg.host}/faults/restart:v1`,
      { kind: 'image', image },
      {
        env,
        ...fast,
        retry: { retries: 8, baseDelayMs: 100, maxDelayMs: 2000 },
        monolithicMaxBytes: 1024,
        chunkBytes: 256 * 1024,
        onProgress: (e) => {
          if (e.status === 'retry') retried++;
          if (!killed && e.kind === 'layer' && e.status === 'progress' && e.done > 0) {
            killed = true;
            restarted.push(
              reg
                .kill()
                .then(() => new Promise((r) => setTimeout(r, 500)))
                .then(() => reg.start()),
            );
          }
        },
      },
    );
    await Promise.all(restarted);
    expect(killed).toBe(true);
    expect(retried).toBeGreaterThanOrEqual(1);
    expect(res.digest).toBe(await image.digest());
    const back = await pullImage(`${reg.host}/faults/restart:v1`, { env, cacheDir: false });
    if (back.target.kind !== 'image') throw new Error('want image');
    const layer = (await back.target.image.layers())[0]!;
    // Reading the whole layer verifies it against its digest.
    for await (const _ of await layer.compressed());
  });

  it('fails clearly when the registry dies for good, and no tag names a partial image', async () => {
    const image = await mutate(await alpineImage('arm64'), {});
    let killed = false;
    const dead: Promise<void>[] = [];
    const err = await pushImage(
      `${reg.host}/faults/dead:v1`,
      { kind: 'image', image },
      {
        env,
        retry: { retries: 2, baseDelayMs: 10, maxDelayMs: 50 },
        monolithicMaxBytes: 1024,
        chunkBytes: 256 * 1024,
        onProgress: (e) => {
          if (!killed && e.kind === 'layer' && e.status === 'progress' && e.done > 0) {
            killed = true;
            dead.push(reg.kill());
          }
        },
      },
    ).catch((e: unknown) => e);
    await Promise.all(dead);
    expect(err).toMatchObject({ code: 'NETWORK' });
    expect((err as Error).message).toMatch(/cannot reach registry 127\.0\.0\.1:\d+/);
    await reg.start();
    const client = new RegistryClient({ env });
    expect(
      await client.headManifest({ registry: reg.host, repository: 'faults/dead' }, 'v1'),
    ).toBeUndefined();
    await client.close();
  });

  it('rejects a blob whose bytes do not match its digest, on pull and on push', async () => {
    const image = await testImage(dir, [
      { type: 'file', path: '/d', source: Buffer.from('will be corrupted') },
    ]);
    const pushed = await pushImage(`${reg.host}/faults/corrupt:v1`, { kind: 'image', image }, { env });
    const layerDigest = (await image.manifest()).layers[0]!.digest;
    const data = join(
      reg.storage,
      'docker/registry/v2/blobs/sha256',
      layerDigest.slice(7, 9),
      layerDigest.slice(7),
      'data',
    );
    const bytes = await readFile(data);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 3) ^ 0xff, bytes.length - 3);
    await writeFile(data, bytes);
    const back = await pullImage(`${reg.host}/faults/corrupt@${pushed.digest}`, {
      env,
      cacheDir: join(dir, 'cache-corrupt'),
    });
    if (back.target.kind !== 'image') throw new Error('want image');
    const layer = (await back.target.image.layers())[0]!;
    const read = async (): Promise<void> => {
      for await (const _ of await layer.compressed());
    };
    await expect(read()).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });

    // Push side: a local layer file that no longer matches its descriptor is refused, and no manifest is written.
    const fresh = await testImage(join(dir, 'fresh'), [
      { type: 'file', path: '/e', source: Buffer.from('never pushed') },
    ]);
    const freshDigest = (await fresh.manifest()).layers[0]!.digest;
    const blobFile = join(dir, 'fresh', 'test-blobs', freshDigest.slice(7));
    const freshBytes = await readFile(blobFile);
    freshBytes.writeUInt8(freshBytes.readUInt8(freshBytes.length - 3) ^ 0xff, freshBytes.length - 3);
    await writeFile(blobFile, freshBytes);
    const lying: Image = fresh;
    const err = await pushImage(
      `${reg.host}/faults/lying:v1`,
      { kind: 'image', image: lying },
      { env },
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DIGEST_MISMATCH' });
    // minnow's own check caught it while streaming (the registry would say "rejected the content").
    expect((err as Error).message).toMatch(/content hashes to sha256:[0-9a-f]{64}, want sha256:/);
    // A blob longer than its descriptor is cut off as soon as it overflows, through the chunked path too.
    await writeFile(blobFile, Buffer.concat([freshBytes, Buffer.alloc(4096)]));
    const longer = await pushImage(
      `${reg.host}/faults/lying:v1`,
      { kind: 'image', image: lying },
      { env, monolithicMaxBytes: 0, chunkBytes: 64 },
    ).catch((e: unknown) => e);
    expect(longer).toMatchObject({ code: 'DIGEST_MISMATCH' });
    expect((longer as Error).message).toMatch(/larger than the \d+ bytes declared|content hashes to/);
    const client = new RegistryClient({ env });
    expect(
      await client.headManifest({ registry: reg.host, repository: 'faults/lying' }, 'v1'),
    ).toBeUndefined();
    await client.close();
  });
});
