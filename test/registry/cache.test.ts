import { readdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullImage } from '../../src/base/registry.js';
import { type Image } from '../../src/oci/index.js';
import { pushImage } from '../../src/publish/registry.js';
import { minnowCacheDir } from '../../src/util/cache-layout.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { alpineIndex } from './fixtures.js';

async function readAll(image: Image): Promise<void> {
  for (const layer of await image.layers()) for await (const _ of await layer.compressed());
}

describe('content-addressed cache and --offline', () => {
  let reg: TestRegistry;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let cacheDir: string;
  const arm64 = { os: 'linux', architecture: 'arm64' };
  beforeAll(async () => {
    reg = await startRegistry();
    dir = await tempDir();
    cacheDir = join(dir, 'cache');
    env = { ...process.env, DOCKER_CONFIG: join(dir, 'docker-config') };
    await pushImage(
      `${reg.host}/library/alpine:3.19`,
      { kind: 'index', index: await alpineIndex() },
      { env },
    );
  });
  afterAll(async () => reg?.stop());

  it('lives under $XDG_CACHE_HOME/minnow, else ~/.cache/minnow (shared with the build cache)', () => {
    expect(minnowCacheDir({ XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/minnow');
    expect(minnowCacheDir({})).toBe(join(homedir(), '.cache', 'minnow'));
  });

  it('fills the cache on a pull, then builds offline from it with the registry gone', async () => {
    const online = await pullImage(`${reg.host}/library/alpine:3.19`, { env, cacheDir, platform: arm64 });
    if (online.target.kind !== 'image') throw new Error('want image');
    await readAll(online.target.image);
    const blobs = await readdir(join(cacheDir, 'blobs', 'sha256'));
    // index + manifest + config + layer
    expect(blobs.filter((b) => !b.startsWith('.'))).toHaveLength(4);
    await reg.kill();
    try {
      const offline = await pullImage(`${reg.host}/library/alpine:3.19`, {
        env,
        cacheDir,
        platform: arm64,
        offline: true,
      });
      if (offline.target.kind !== 'image') throw new Error('want image');
      expect(await offline.target.image.digest()).toBe(await online.target.image.digest());
      await readAll(offline.target.image);
      // A pinned digest that is cached needs no network even without --offline.
      const pinned = await pullImage(`${reg.host}/library/alpine@${online.digest}`, {
        env,
        cacheDir,
        platform: arm64,
      });
      expect(pinned.platformDigest).toBe(online.platformDigest);

      const missingTag = await pullImage(`${reg.host}/library/alpine:3.18`, {
        env,
        cacheDir,
        offline: true,
      }).catch((e: unknown) => e);
      expect(missingTag).toMatchObject({ code: 'OFFLINE_MISSING' });
      expect((missingTag as Error).message).toBe(
        `offline: ${reg.host}/library/alpine:3.18 is not in the cache`,
      );

      const amd = await pullImage(`${reg.host}/library/alpine:3.19`, {
        env,
        cacheDir,
        offline: true,
        platform: { os: 'linux', architecture: 'amd64' },
      }).catch((e: unknown) => e);
      expect(amd).toMatchObject({ code: 'OFFLINE_MISSING' });
      expect((amd as Error).message).toMatch(/^offline: manifest sha256:[0-9a-f]{64} is not in the cache$/);
    } finally {
      await reg.start();
    }
  });

  it('never serves a corrupt cache entry: the read fails, the entry is dropped, the next pull refetches', async () => {
    const first = await pullImage(`${reg.host}/library/alpine:3.19`, { env, cacheDir, platform: arm64 });
    if (first.target.kind !== 'image') throw new Error('want image');
    const layerDigest = (await first.target.image.manifest()).layers[0]!.digest;
    const path = join(cacheDir, 'blobs', 'sha256', layerDigest.slice(7));
    const bytes = await readFile(path);
    bytes.writeUInt8(bytes.readUInt8(100) ^ 0xff, 100);
    await writeFile(path, bytes);
    const second = await pullImage(`${reg.host}/library/alpine:3.19`, { env, cacheDir, platform: arm64 });
    if (second.target.kind !== 'image') throw new Error('want image');
    await expect(readAll(second.target.image)).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
      hint: expect.stringContaining('removed: run the command again'),
    });
    const third = await pullImage(`${reg.host}/library/alpine:3.19`, { env, cacheDir, platform: arm64 });
    if (third.target.kind !== 'image') throw new Error('want image');
    await readAll(third.target.image);
    const again = await readFile(path);
    expect(again.equals(bytes)).toBe(false);
  });
});
