import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullImage } from '../../src/base/registry.js';
import { assertValid, MediaType, mutate, writeLayer } from '../../src/oci/index.js';
import { writeLayout } from '../../src/publish/layout.js';
import { pushImage } from '../../src/publish/registry.js';
import { exec } from '../helpers/exec.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { alpineImage, alpineIndex } from './fixtures.js';

describe('the real alpine 3.19.4 base through a real registry', () => {
  let reg: TestRegistry;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const dockerTags: string[] = [];
  beforeAll(async () => {
    reg = await startRegistry();
    dir = await tempDir();
    env = { ...process.env, DOCKER_CONFIG: join(dir, 'docker-config') };
  });
  afterAll(async () => {
    for (const t of dockerTags) await exec('docker', ['rmi', '-f', t]).catch(() => undefined);
    await reg?.stop();
  });

  it('pushes the two-platform index; skopeo, docker pull and docker run agree', async () => {
    const index = await alpineIndex();
    const res = await pushImage(
      `${reg.host}/library/alpine:3.19`,
      { kind: 'index', index },
      { env, tags: ['3.19.4'] },
    );
    expect(res.digest).toBe(await index.digest());
    expect(res.tags).toEqual([`${reg.host}/library/alpine:3.19`, `${reg.host}/library/alpine:3.19.4`]);
    const raw = JSON.parse(
      await exec('skopeo', [
        'inspect',
        '--raw',
        '--tls-verify=false',
        `docker://${reg.host}/library/alpine:3.19`,
      ]),
    ) as { manifests: { platform: { architecture: string } }[] };
    expect(raw.manifests.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
    const inspect = JSON.parse(
      await exec('skopeo', [
        'inspect',
        '--tls-verify=false',
        '--override-arch',
        'arm64',
        `docker://${reg.host}/library/alpine:3.19.4`,
      ]),
    ) as { Architecture: string; Layers: string[] };
    expect(inspect.Architecture).toBe('arm64');
    expect(inspect.Layers).toHaveLength(1);

    const tag = `${reg.host}/minnow-test-registry/alpine:${randomBytes(4).toString('hex')}`;
    await pushImage(tag, { kind: 'image', image: await alpineImage('amd64') }, { env });
    dockerTags.push(tag);
    await exec('docker', ['pull', '-q', tag]);
    const out = await exec('docker', ['run', '--rm', '--network', 'none', tag, 'cat', '/etc/alpine-release']);
    expect(out.trim()).toBe('3.19.4');
  });

  it('pulls it back as a base: platform picked from the index, a missing one lists those present', async () => {
    const pulled = await pullImage(`${reg.host}/library/alpine:3.19`, {
      env,
      cacheDir: join(dir, 'cache'),
      platform: { os: 'linux', architecture: 'arm64' },
    });
    expect(pulled.digest).toBe(await (await alpineIndex()).digest());
    if (pulled.target.kind !== 'image') throw new Error('want image');
    expect(pulled.platformDigest).toBe(await (await alpineImage('arm64')).digest());
    expect((await pulled.target.image.configFile()).config?.Cmd).toEqual(['/bin/sh']);
    await assertValid(pulled.target.image);

    const err = await pullImage(`${reg.host}/library/alpine:3.19`, {
      env,
      cacheDir: join(dir, 'cache'),
      platform: { os: 'linux', architecture: 's390x' },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PLATFORM_NOT_FOUND' });
    expect((err as Error).message).toBe(
      `${reg.host}/library/alpine:3.19 has no linux/s390x image; it has linux/amd64, linux/arm64/v8`,
    );
  });

  it('an app image built on the pulled base mounts the base layer instead of uploading it', async () => {
    const base = await pullImage(`${reg.host}/library/alpine:3.19`, {
      env,
      cacheDir: join(dir, 'cache'),
      platform: { os: 'linux', architecture: 'amd64' },
    });
    if (base.target.kind !== 'image') throw new Error('want image');
    const app = await writeLayer(
      [{ type: 'file', path: '/app/hello', source: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o555 }],
      {
        blobDir: join(dir, 'blobs'),
      },
    );
    const image = await mutate(base.target.image, { layers: [{ layer: app.layer }] });
    const res = await pushImage(`${reg.host}/apps/hello:v1`, { kind: 'image', image }, { env });
    expect(res).toMatchObject({ mounted: 1, uploaded: 2, existing: 0 });
    const tag = `${reg.host}/minnow-test-registry/app:${randomBytes(4).toString('hex')}`;
    await pushImage(tag, { kind: 'image', image }, { env });
    dockerTags.push(tag);
    await exec('docker', ['pull', '-q', tag]);
    const out = await exec('docker', ['run', '--rm', '--network', 'none', tag, '/app/hello']);
    expect(out.trim()).toBe('hi');
  });

  it('reads Docker schema 2 manifest lists and manifests (as skopeo --format v2s2 writes them)', async () => {
    const layout = join(dir, 'v2s2-layout');
    await writeLayout(layout, { kind: 'index', index: await alpineIndex() }, { tag: 'v1' });
    await exec('skopeo', [
      'copy',
      '--all',
      '--format',
      'v2s2',
      '--dest-tls-verify=false',
      `oci:${layout}:v1`,
      `docker://${reg.host}/docker/alpine:3.19`,
    ]);
    const pulled = await pullImage(`${reg.host}/docker/alpine:3.19`, {
      env,
      cacheDir: false,
      platform: { os: 'linux', architecture: 'amd64' },
    });
    if (pulled.target.kind !== 'image') throw new Error('want image');
    const image = pulled.target.image;
    expect(await image.mediaType()).toBe(MediaType.DockerManifest);
    expect((await image.manifest()).layers[0]!.mediaType).toBe(MediaType.DockerLayerGzip);
    await assertValid(image);
    const app = await mutate(image, {
      config: (c) => ({ ...c, config: { ...c.config, Cmd: ['cat', '/etc/alpine-release'] } }),
    });
    const tag = `${reg.host}/minnow-test-registry/v2s2:${randomBytes(4).toString('hex')}`;
    await pushImage(tag, { kind: 'image', image: app }, { env });
    dockerTags.push(tag);
    await exec('docker', ['pull', '-q', tag]);
    expect((await exec('docker', ['run', '--rm', '--network', 'none', tag])).trim()).toBe('3.19.4');
  });
});
