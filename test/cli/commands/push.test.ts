import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullImage } from '../../../src/base/registry.js';
import { createTransferRenderer } from '../../../src/cli/transfer-progress.js';
import { assertValid } from '../../../src/oci/index.js';
import { writeLayout } from '../../../src/publish/layout.js';
import { writeTarball } from '../../../src/publish/tarball.js';
import { exec } from '../../helpers/exec.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { tempDir } from '../../helpers/tmp.js';
import { alpineImage } from '../../registry/fixtures.js';
import { cli } from '../../helpers/cli.js';

describe('minnow push', () => {
  let reg: TestRegistry;
  let dir: string;
  const saved = process.env.DOCKER_CONFIG;
  beforeAll(async () => {
    reg = await startRegistry();
    dir = await tempDir();
    process.env.DOCKER_CONFIG = join(dir, 'docker');
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = saved;
    await reg?.stop();
  });

  it('pushes an OCI layout, prints name@digest, and a line per step when not a TTY', async () => {
    const image = await alpineImage('amd64');
    await writeLayout(join(dir, 'layout'), { kind: 'image', image }, { tag: 'v1' });
    const res = await cli([
      'push',
      `oci:${join(dir, 'layout')}:v1`,
      `${reg.host}/cli/alpine:3.19`,
      '-t',
      'latest',
    ]);
    expect(res.status).toBe(0);
    const digest = await image.digest();
    expect(res.out).toBe(`${reg.host}/cli/alpine@${digest}\n`);
    expect(res.err).toMatch(/push layer [0-9a-f]{12} 3\.\d MB: done/);
    const inspect = JSON.parse(
      await exec('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.host}/cli/alpine:latest`]),
    ) as {
      Digest: string;
    };
    expect(inspect.Digest).toBe(digest);
    // Pulled back and checked byte for byte.
    await assertValid((await pullImage(`${reg.host}/cli/alpine:latest`, { cacheDir: false })).target);

    const again = await cli([
      'push',
      `oci:${join(dir, 'layout')}:v1`,
      `${reg.host}/cli/alpine:3.19`,
      '--quiet',
    ]);
    expect(again.out).toBe(`${reg.host}/cli/alpine@${digest}\n`);
    expect(again.err).toBe('');

    const copy = await cli(['push', `${reg.host}/cli/alpine:3.19`, `${reg.host}/cli/copy:v1`, '--json']);
    expect(JSON.parse(copy.out)).toMatchObject({ digest, mounted: 2, uploaded: 0 });
    await assertValid((await pullImage(`${reg.host}/cli/copy:v1`, { cacheDir: false })).target);
  });

  it('pushes from a docker-archive too', async () => {
    const file = join(dir, 'alpine.tar');
    await writeTarball(file, await alpineImage('arm64'), { tags: ['minnow-test/alpine:3.19'] });
    const res = await cli(['push', '-q', `docker-archive:${file}`, `${reg.host}/cli/from-archive:v1`]);
    expect(res.err).toBe('');
    expect(res.status).toBe(0);
    const inspect = JSON.parse(
      await exec('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.host}/cli/from-archive:v1`]),
    ) as { Digest: string; Architecture: string };
    expect(res.out).toBe(`${reg.host}/cli/from-archive@${inspect.Digest}\n`);
    expect(inspect.Architecture).toBe('arm64');
    await assertValid((await pullImage(`${reg.host}/cli/from-archive:v1`, { cacheDir: false })).target);
  });

  it('bad references are one line and exit 2', async () => {
    const res = await cli(['push', `oci:${join(dir, 'layout')}:v1`, 'Bad/Ref:']);
    expect(res.status).toBe(2);
    expect(res.err.trim().split('\n')[0]).toMatch(/^error: invalid image reference "Bad\/Ref:"/);
  });

  it('draws bars in place on a TTY', () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true }) as unknown as NodeJS.WriteStream;
    let text = '';
    (stream as unknown as PassThrough).on('data', (c: Buffer) => (text += c.toString()));
    const r = createTransferRenderer(true, stream);
    const digest = `sha256:${'b'.repeat(64)}` as never;
    r.onProgress({ direction: 'push', kind: 'layer', digest, total: 2_000_000, done: 0, status: 'start' });
    r.onProgress({
      direction: 'push',
      kind: 'layer',
      digest,
      total: 2_000_000,
      done: 2_000_000,
      status: 'done',
    });
    r.stop();
    expect(text).toContain('bbbbbbbbbbbb');
    expect(text).toContain('█'.repeat(24));
    expect(text).toContain('\x1b[1A');
  });
});
