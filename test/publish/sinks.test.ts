import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gcLayout } from '../../src/publish/layout-gc.js';
import { writeLayout } from '../../src/publish/layout.js';
import { parseNameTag } from '../../src/publish/image-name.js';
import {
  createSink,
  defaultLayoutSink,
  fanOut,
  hostImage,
  hostPlatformOnly,
  layoutSink,
  tarballSink,
  type Sink,
} from '../../src/publish/sinks/index.js';
import { indexOf, validateImage, type ImageOrIndex } from '../../src/oci/index.js';
import { readDockerArchive } from '../../src/base/docker-archive.js';
import { readLayout } from '../../src/base/layout.js';
import { tempDir } from '../helpers/tmp.js';
import { testImage } from '../helpers/images.js';

const output = (spec: string): Sink => createSink(spec, { flag: '--output' });

async function digestOf(target: ImageOrIndex): Promise<string> {
  return target.kind === 'image' ? target.image.digest() : target.index.digest();
}

describe('createSink: each kind owns its grammar', () => {
  it('reads the four kinds', () => {
    expect(output('oci:out/app')).toMatchObject({ kind: 'oci', description: 'oci:out/app:latest' });
    expect(output('oci:out/app:v1')).toMatchObject({ kind: 'oci', description: 'oci:out/app:v1' });
    expect(output('docker:app.tar')).toMatchObject({ kind: 'docker', description: 'docker:app.tar' });
    expect(output('daemon')).toMatchObject({ kind: 'daemon', description: 'daemon' });
    expect(output('daemon:team/app')).toMatchObject({
      kind: 'daemon',
      description: 'daemon team/app:latest',
    });
    expect(output('daemon:localhost:5000/app:v2')).toMatchObject({
      kind: 'daemon',
      description: 'daemon localhost:5000/app:v2',
    });
    expect(output('localhost:5000/team/app:v1')).toMatchObject({
      kind: 'registry',
      description: 'localhost:5000/team/app:v1',
    });
    expect(defaultLayoutSink('hello').description).toBe('oci:.minnow/hello:latest');
    // Every sink createSink returns takes an index: the one-image kinds come wrapped.
    for (const spec of ['oci:x', 'docker:x.tar', 'daemon', 'ghcr.io/o/a'])
      expect(output(spec).takesIndex).toBe(true);
    expect(tarballSink({ file: 'x.tar' }).takesIndex).toBe(false);
  });

  it('refuses what it cannot use, in one line naming the accepted forms', () => {
    for (const bad of [
      'out',
      'oci:',
      'oci:dir:bad tag',
      'docker:',
      'docker:dir/',
      'daemon:App',
      'daemon:app:bad tag',
      'zip:x',
    ]) {
      expect(() => output(bad), bad).toThrow(/^invalid --output/);
      try {
        output(bad);
      } catch (err) {
        expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', subject: bad });
        expect((err as { hint: string }).hint).toMatch(
          /oci:DIR\[:TAG\], docker:FILE\.tar, daemon.*registry reference/,
        );
      }
    }
    // A registry reference names its host under --output; as push's destination any reference is one.
    expect(() => createSink('Bad/Ref:', { registryByDefault: true })).toThrow(
      /^invalid image reference "Bad\/Ref:"/,
    );
    expect(createSink('app:v1', { registryByDefault: true }).description).toBe('docker.io/library/app:v1');
    expect(parseNameTag('minnow-test/x:1')).toEqual({ name: 'minnow-test/x', tag: '1' });
    expect(() => parseNameTag('UPPER')).toThrow(/invalid image name/);
  });
});

describe('sink checks', () => {
  it('accepts new paths, layouts and tarballs; refuses other things unless forced', async () => {
    const dir = await tempDir();
    await expect(output(`oci:${join(dir, 'new', 'deep')}`).check()).resolves.toBeUndefined();
    await mkdir(join(dir, 'other'));
    await writeFile(join(dir, 'other', 'x'), 'x');
    await expect(output(`oci:${join(dir, 'other')}`).check()).rejects.toMatchObject({
      code: 'OUTPUT_EXISTS',
    });
    await expect(createSink(`oci:${join(dir, 'other')}`, { force: true }).check()).resolves.toBeUndefined();
    await expect(output(`docker:${join(dir, 'other')}`).check()).rejects.toMatchObject({
      code: 'OUTPUT_EXISTS',
    });
    await expect(output(`docker:${join(dir, 'other', 'x', 'y.tar')}`).check()).rejects.toMatchObject({
      code: 'OUTPUT_NOT_WRITABLE',
    });
    await expect(
      createSink('localhost:5000/app', { flag: '--output', offline: true }).check(),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // The probe leaves nothing behind.
    expect((await readdir(dir)).sort()).toEqual(['other']);
  });
});

describe('fanOut and hostPlatformOnly', () => {
  it('writes the same image to every sink, each giving the same digest', async () => {
    const dir = await tempDir();
    const image = await testImage(dir, [{ type: 'file', path: '/v', source: Buffer.from('fan') }]);
    const both = fanOut([
      layoutSink({ dir: join(dir, 'layout'), tag: 'v1' }),
      tarballSink({ file: join(dir, 'a.tar') }),
    ]);
    expect(both.description).toBe(`oci:${join(dir, 'layout')}:v1, docker:${join(dir, 'a.tar')}`);
    const written = await both.write({ kind: 'image', image }, { name: { name: 'fan', tag: 'v1' } });
    const want = await image.digest();
    expect(written.digest).toBe(want);
    expect(written.results?.map((r) => [r.kind, r.digest])).toEqual([
      ['oci', want],
      ['docker', want],
    ]);
    const fromLayout = await readLayout(join(dir, 'layout'), { tag: 'v1' });
    const fromTar = await readDockerArchive(join(dir, 'a.tar'));
    expect(await digestOf(fromLayout)).toBe(want);
    expect(await digestOf(fromTar)).toBe(want);
    if (fromTar.kind !== 'image') throw new Error('expected an image');
    expect(await validateImage(fromTar.image)).toEqual([]);
  });

  it("gives a one-image sink the host's image of an index, and refuses a build without it up front", async () => {
    const dir = await tempDir();
    const image = await testImage(dir, [{ type: 'file', path: '/v', source: Buffer.from('host') }]);
    const cfg = await image.configFile();
    const host = { os: cfg.os, architecture: cfg.architecture };
    const other = { os: 'linux', architecture: 's390x' };
    const index = await indexOf([
      { image, platform: other },
      { image, platform: host },
    ]);
    const raw = tarballSink({ file: join(dir, 'raw.tar') });
    await expect(raw.write({ kind: 'index', index })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const sink = hostPlatformOnly(tarballSink({ file: join(dir, 'host.tar') }), {
      host,
      label: '--output docker',
    });
    expect(sink.takesIndex).toBe(true);
    const written = await sink.write({ kind: 'index', index });
    expect(written).toMatchObject({ kind: 'docker', platform: host, digest: await image.digest() });
    expect(written.note).toBe(
      `only the ${host.os}/${host.architecture} image (this host's platform) was written`,
    );
    expect(await digestOf(await readDockerArchive(join(dir, 'host.tar')))).toBe(await image.digest());
    await expect(
      sink.check({ platforms: [other, { os: 'linux', architecture: 'riscv64' }] }),
    ).rejects.toThrow(/^--output docker takes one image: this host's/);
    await expect(sink.check({ platforms: [other, host] })).resolves.toBeUndefined();
    await expect(
      hostPlatformOnly(tarballSink({ file: join(dir, 'none.tar') }), {
        host: { os: 'linux', architecture: 'riscv64' },
      }).write({ kind: 'index', index }),
    ).rejects.toMatchObject({ code: 'PLATFORM_NOT_FOUND' });
  });
});

describe('gcLayout and hostImage', () => {
  it('removes only blobs nothing in index.json reaches, after their grace period', async () => {
    const dir = await tempDir();
    const layout = join(dir, 'layout');
    const one = await testImage(dir, [{ type: 'file', path: '/v', source: Buffer.from('one') }]);
    const two = await testImage(dir, [{ type: 'file', path: '/v', source: Buffer.from('two') }]);
    await writeLayout(layout, { kind: 'image', image: one }, { tag: 'latest' });
    await writeLayout(layout, { kind: 'image', image: two }, { tag: 'latest' });
    const blobs = join(layout, 'blobs', 'sha256');
    expect(await gcLayout(layout)).toBe(0); // everything is younger than the grace period
    const old = new Date(Date.now() - 120_000);
    for (const name of await readdir(blobs)) await utimes(join(blobs, name), old, old);
    expect(await gcLayout(layout)).toBeGreaterThan(0);
    const left = await readLayout(layout);
    if (left.kind !== 'image') throw new Error('expected an image');
    expect(await left.image.digest()).toBe(await two.digest());
    expect(await validateImage(left.image)).toEqual([]);
    expect((await readdir(blobs)).length).toBe(3); // manifest, config, layer of `two`
  });

  it("picks the host's image from an index for the docker tarball and the Engine", async () => {
    const dir = await tempDir();
    const image = await testImage(dir, [{ type: 'file', path: '/v', source: Buffer.from('x') }]);
    const cfg = await image.configFile();
    const host = { os: cfg.os, architecture: cfg.architecture };
    const index = await indexOf([
      { image, platform: { os: 'linux', architecture: 's390x' } },
      { image, platform: host },
    ]);
    const picked = await hostImage({ kind: 'index', index }, host);
    expect(picked).toMatchObject({ platform: host, picked: true });
    await expect(
      hostImage({ kind: 'index', index }, { os: 'linux', architecture: 'riscv64' }),
    ).rejects.toMatchObject({
      code: 'PLATFORM_NOT_FOUND',
    });
  });
});
