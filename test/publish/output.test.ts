import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gcLayout } from '../../src/publish/layout-gc.js';
import { writeLayout } from '../../src/publish/layout.js';
import { checkOutput, defaultOutput, parseNameTag, parseOutput } from '../../src/publish/output-spec.js';
import { hostImage } from '../../src/publish/output.js';
import { assertValid, indexOf } from '../../src/oci/index.js';
import { readLayout } from '../../src/base/layout.js';
import { tempDir } from '../helpers/tmp.js';
import { testImage } from '../helpers/images.js';

describe('parseOutput', () => {
  it('reads the three kinds', () => {
    expect(parseOutput('oci:out/app')).toEqual({ kind: 'oci', dir: 'out/app' });
    expect(parseOutput('oci:out/app:v1')).toEqual({ kind: 'oci', dir: 'out/app', tag: 'v1' });
    expect(parseOutput('docker:app.tar')).toEqual({ kind: 'docker', file: 'app.tar' });
    expect(parseOutput('daemon')).toEqual({ kind: 'daemon' });
    expect(parseOutput('daemon:team/app')).toEqual({ kind: 'daemon', name: 'team/app', tag: 'latest' });
    expect(parseOutput('daemon:localhost:5000/app:v2')).toEqual({
      kind: 'daemon',
      name: 'localhost:5000/app',
      tag: 'v2',
    });
    expect(defaultOutput('hello')).toEqual({ kind: 'oci', dir: '.minnow/hello', tag: 'latest' });
  });

  it('refuses what it cannot use, in one line naming the accepted forms', () => {
    for (const bad of [
      'out',
      'oci:',
      'docker:',
      'docker:dir/',
      'daemon:App',
      'daemon:app:bad tag',
      'zip:x',
    ]) {
      expect(() => parseOutput(bad)).toThrow(/^invalid --output/);
    }
    expect(parseNameTag('minnow-test/x:1')).toEqual({ name: 'minnow-test/x', tag: '1' });
    expect(() => parseNameTag('UPPER')).toThrow(/invalid image name/);
  });
});

describe('checkOutput', () => {
  it('accepts new paths, layouts and tarballs; refuses other things unless forced', async () => {
    const dir = await tempDir();
    await expect(checkOutput({ kind: 'oci', dir: join(dir, 'new', 'deep') })).resolves.toBeUndefined();
    await mkdir(join(dir, 'other'));
    await writeFile(join(dir, 'other', 'x'), 'x');
    await expect(checkOutput({ kind: 'oci', dir: join(dir, 'other') })).rejects.toMatchObject({
      code: 'OUTPUT_EXISTS',
    });
    await expect(
      checkOutput({ kind: 'oci', dir: join(dir, 'other') }, { force: true }),
    ).resolves.toBeUndefined();
    await expect(checkOutput({ kind: 'docker', file: join(dir, 'other') })).rejects.toMatchObject({
      code: 'OUTPUT_EXISTS',
    });
    await expect(
      checkOutput({ kind: 'docker', file: join(dir, 'other', 'x', 'y.tar') }),
    ).rejects.toMatchObject({
      code: 'OUTPUT_NOT_WRITABLE',
    });
    // The probe leaves nothing behind.
    expect((await readdir(dir)).sort()).toEqual(['other']);
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
    await assertValid(left.image);
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
