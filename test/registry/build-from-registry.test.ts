import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/build/build.js';
import { assertValid } from '../../src/oci/index.js';
import { pushImage } from '../../src/publish/registry.js';
import { httpGetWhenUp, runServer } from '../helpers/docker.js';
import { exec } from '../helpers/exec.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { alpineImage, alpineIndex } from './fixtures.js';
import { cli } from '../helpers/cli.js';
import { saveEnv } from '../helpers/env.js';

const HELLO = join(import.meta.dirname, '..', '..', 'examples', 'hello');

describe('minnow build --base <registry ref> --push', () => {
  let reg: TestRegistry;
  let dir: string;
  const restoreEnv = saveEnv('MINNOW_CACHE_DIR', 'DOCKER_CONFIG');
  const dockerTags: string[] = [];
  beforeAll(async () => {
    reg = await startRegistry();
    dir = await tempDir();
    process.env.MINNOW_CACHE_DIR = join(dir, 'cache');
    process.env.DOCKER_CONFIG = join(dir, 'docker');
    await pushImage(`${reg.host}/library/alpine:3.19`, { kind: 'index', index: await alpineIndex() });
  });
  afterAll(async () => {
    restoreEnv();
    for (const t of dockerTags) await exec('docker', ['rmi', '-f', t]).catch(() => undefined);
    await reg?.stop();
  });

  it('builds examples/hello on alpine pulled from the registry, inheriting its config', async () => {
    const result = await build({
      dir: HELLO,
      base: `${reg.host}/library/alpine:3.19`,
      cacheDir: join(dir, 'cache'),
    });
    if (result.target.kind !== 'image') throw new Error('want image');
    const image = result.target.image;
    await assertValid(image);
    const alpine = await alpineImage('amd64');
    const layers = (await image.manifest()).layers;
    expect(layers).toHaveLength(2);
    expect(layers[0]!.digest).toBe((await alpine.manifest()).layers[0]!.digest);
    const cfg = await image.configFile();
    expect(cfg.config?.Env).toContain('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    expect((await image.manifest()).annotations?.['org.opencontainers.image.base.digest']).toBe(
      await (await alpineIndex()).digest(),
    );
  });

  it('pushes the result (mounting the base layer), and docker pulls and runs it', async () => {
    const tag = `${reg.host}/minnow-test-registry/hello:${randomBytes(4).toString('hex')}`;
    const res = await cli([
      'build',
      HELLO,
      '--base',
      `${reg.host}/library/alpine:3.19`,
      '-o',
      `oci:${join(dir, 'out')}`,
      '--push',
      tag,
      '--json',
    ]);
    expect(res.err).toBe('');
    expect(res.status).toBe(0);
    const summary = JSON.parse(res.out) as {
      digest: string;
      pushed: { ref: string; mounted: number; uploaded: number }[];
    };
    expect(summary.pushed).toHaveLength(1);
    expect(summary.pushed[0]!.ref).toBe(`${tag.slice(0, tag.lastIndexOf(':'))}@${summary.digest}`);
    expect(summary.pushed[0]).toMatchObject({ mounted: 1, uploaded: 2 });
    dockerTags.push(tag);
    await exec('docker', ['pull', '-q', tag]);
    const server = await runServer(tag);
    try {
      expect(await httpGetWhenUp(server.port)).toBe('Hello from the smallest Go container!');
      expect(await server.uid()).toBe(65532);
    } finally {
      await server.stop();
    }
  });

  it('--offline builds from the cache, and names what is missing', async () => {
    const ok = await cli([
      'build',
      HELLO,
      '--base',
      `${reg.host}/library/alpine:3.19`,
      '-o',
      `oci:${join(dir, 'off')}`,
      '--offline',
      '-q',
    ]);
    expect(ok.status).toBe(0);
    expect(ok.out).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const missing = await cli([
      'build',
      HELLO,
      '--base',
      `${reg.host}/library/alpine:3.20`,
      '-o',
      `oci:${join(dir, 'off2')}`,
      '--offline',
    ]);
    expect(missing.status).toBe(1);
    expect(missing.err).toContain(`offline: ${reg.host}/library/alpine:3.20 is not in the cache`);
    const both = await cli(['build', HELLO, '--offline', '--push', `${reg.host}/x/y:z`]);
    expect(both.status).toBe(2);
    expect(both.err).toContain('--push cannot be used with --offline');
  });
});
