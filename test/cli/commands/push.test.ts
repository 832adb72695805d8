import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullImage } from '../../../src/base/registry.js';
import { createTransferRenderer } from '../../../src/cli/transfer-progress.js';
import { readDockerArchive } from '../../../src/base/docker-archive.js';
import { readLayout } from '../../../src/base/layout.js';
import { assertValid } from '../../../src/oci/index.js';
import { writeLayout } from '../../../src/publish/layout.js';
import { writeTarball } from '../../../src/publish/tarball.js';
import { exec } from '../../helpers/exec.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { tempDir } from '../../helpers/tmp.js';
import { alpineImage } from '../../registry/fixtures.js';
import { cli } from '../../helpers/cli.js';
import { nameFromSource } from '../../../src/cli/commands/push.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../../bin/minnow.cjs', import.meta.url));

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
    expect(res.err).toMatch(/push layer [0-9a-f]{12} 3\.\d+ MB: done/);
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

  it('mounts what an earlier process pushed to another repository, and uploads what a stale origin lacks', async () => {
    const image = await alpineImage('amd64');
    const layout = join(dir, 'origins-layout');
    await writeLayout(layout, { kind: 'image', image }, { tag: 'v1' });
    const cache = join(dir, 'origins-cache');
    /** `minnow push --json` as a process of its own, so nothing is remembered but what the cache holds. */
    const push = async (repo: string): Promise<Record<string, unknown>> => {
      const { stdout } = await run(
        process.execPath,
        [BIN, 'push', '--json', `oci:${layout}:v1`, `${reg.host}/${repo}:v1`],
        { env: { ...process.env, MINNOW_CACHE_DIR: cache } },
      );
      return JSON.parse(stdout) as Record<string, unknown>;
    };
    expect(await push('origins/first')).toMatchObject({ uploaded: 2, mounted: 0, existing: 0 });
    expect(await push('origins/second')).toMatchObject({ uploaded: 0, mounted: 2, existing: 0 });
    await assertValid((await pullImage(`${reg.host}/origins/second:v1`, { cacheDir: false })).target);

    // Every origin the cache names is a repository the registry has never seen: the mounts are refused, the
    // blobs go up, and the refused origin is dropped for the one that now holds them.
    const file = join(cache, 'blob-origins', `${encodeURIComponent(reg.host)}.json`);
    const saved = await readFile(file, 'utf8');
    expect(saved).toContain('origins/first');
    await writeFile(file, saved.replaceAll(/origins\/(first|second)/g, 'origins/nowhere'));
    expect(await push('origins/third')).toMatchObject({ uploaded: 2, mounted: 0 });
    const after = JSON.parse(await readFile(file, 'utf8')) as { blobs: Record<string, string[]> };
    const layer = (await image.manifest()).layers[0]!.digest;
    expect(after.blobs[layer]).toEqual(['origins/third']);
    await assertValid((await pullImage(`${reg.host}/origins/third:v1`, { cacheDir: false })).target);
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

  it('copies to any sink: the Engine, another OCI layout, a docker tarball', async () => {
    const image = await alpineImage('amd64');
    const layout = join(dir, 'to-sinks');
    await writeLayout(layout, { kind: 'image', image }, { tag: 'v1' });
    const digest = await image.digest();
    const name = `minnow-test-push/alpine:${randomBytes(4).toString('hex')}`;
    try {
      const toDaemon = await cli(['push', '-q', `oci:${layout}:v1`, `daemon:${name}`]);
      expect(toDaemon.err).toBe('');
      expect(toDaemon.status).toBe(0);
      expect(toDaemon.out).toBe(`${name}\n`);
      const id = await exec('docker', ['image', 'inspect', '--format', '{{.Id}}', name]);
      expect(id.trim()).toBe((await image.manifest()).config.digest);
    } finally {
      await exec('docker', ['rmi', '-f', name]).catch(() => undefined);
    }

    const copy = join(dir, 'copy');
    const toLayout = await cli(['push', '--json', `oci:${layout}:v1`, `oci:${copy}:v2`]);
    expect(toLayout.status).toBe(0);
    expect(JSON.parse(toLayout.out)).toMatchObject({ kind: 'oci', digest, reference: `oci:${copy}:v2` });
    const back = await readLayout(copy, { tag: 'v2' });
    if (back.kind !== 'image') throw new Error('expected an image');
    expect(await back.image.digest()).toBe(digest);
    await assertValid(back);

    const tar = join(dir, 'copy.tar');
    const toTar = await cli(['push', '-q', `oci:${layout}:v1`, `docker:${tar}`]);
    expect(toTar.out).toBe(`docker:${tar}\n`);
    const fromTar = await readDockerArchive(tar);
    if (fromTar.kind !== 'image') throw new Error('expected an image');
    expect(await fromTar.image.digest()).toBe(digest);

    const tagged = await cli(['push', `oci:${layout}:v1`, `oci:${copy}`, '-t', 'x']);
    expect(tagged.status).toBe(2);
    expect(tagged.err).toMatch(/^error: --tag applies to registry destinations/);
  });

  it('names a local copy after its source when the destination names none', () => {
    expect(nameFromSource('oci:out/My App:v1')).toEqual({ name: 'my-app', tag: 'v1' });
    expect(nameFromSource('oci:out/app')).toEqual({ name: 'app', tag: 'latest' });
    expect(nameFromSource('docker-archive:x/alpine.tar')).toEqual({ name: 'alpine', tag: 'latest' });
    expect(nameFromSource('daemon:team/app:v2')).toEqual({ name: 'team/app', tag: 'v2' });
    expect(nameFromSource('localhost:5000/team/app:v3')).toEqual({
      name: 'localhost:5000/team/app',
      tag: 'v3',
    });
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
