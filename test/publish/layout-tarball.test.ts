import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDockerArchive } from '../../src/base/docker-archive.js';
import { readLayout } from '../../src/base/layout.js';
import { assertValid, mutate, validateImage, writeLayer } from '../../src/oci/index.js';
import { writeLayout } from '../../src/publish/layout.js';
import { tagOf, writeTarball } from '../../src/publish/tarball.js';
import { exec } from '../helpers/exec.js';
import { testImage } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

describe('OCI layout writer and reader', () => {
  it('round-trips an image, and skopeo accepts the layout', async () => {
    const dir = await tempDir();
    const image = await testImage(dir, [{ type: 'file', path: '/hello.txt', source: Buffer.from('hi') }]);
    const out = join(dir, 'layout');
    const res = await writeLayout(out, { kind: 'image', image }, { tag: 'v1' });
    expect(res.digest).toBe(await image.digest());
    const back = await readLayout(out, { tag: 'v1' });
    expect(back.kind).toBe('image');
    if (back.kind !== 'image') return;
    expect(await back.image.digest()).toBe(await image.digest());
    await assertValid(back.image);
    const inspect = JSON.parse(await exec('skopeo', ['inspect', `oci:${out}:v1`])) as {
      Digest: string;
      Layers: string[];
    };
    expect(inspect.Digest).toBe(res.digest);
    expect(inspect.Layers).toHaveLength(1);
  });

  it('adds a second tag to an existing layout and replaces a retagged entry', async () => {
    const dir = await tempDir();
    const a = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from('a') }]);
    const b = await testImage(dir, [{ type: 'file', path: '/b', source: Buffer.from('b') }]);
    const out = join(dir, 'layout');
    await writeLayout(out, { kind: 'image', image: a }, { tag: 'a' });
    await writeLayout(out, { kind: 'image', image: b }, { tag: 'b' });
    await writeLayout(out, { kind: 'image', image: b }, { tag: 'a' });
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as {
      manifests: { digest: string }[];
    };
    expect(index.manifests).toHaveLength(2);
    expect(new Set(index.manifests.map((m) => m.digest))).toEqual(new Set([await b.digest()]));
    for (const t of ['a', 'b']) await assertValid(await readLayout(out, { tag: t }), `tag ${t}`);
  });

  it('refuses to overwrite something that is not a layout, and leaves it intact', async () => {
    const dir = await tempDir();
    const image = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from('a') }]);
    const out = join(dir, 'not-a-layout');
    await mkdir(out);
    await writeFile(join(out, 'precious.txt'), 'keep me');
    await expect(writeLayout(out, { kind: 'image', image })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    expect(await readdir(out)).toEqual(['precious.txt']);
    expect(await readdir(dir)).not.toContain(expect.stringMatching(/\.tmp$/));
  });

  it('detects a corrupted blob on read', async () => {
    const dir = await tempDir();
    const image = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from('a') }]);
    const out = join(dir, 'layout');
    await writeLayout(out, { kind: 'image', image });
    const layerDigest = (await image.manifest()).layers[0]!.digest;
    const blobPath = join(out, 'blobs', 'sha256', layerDigest.slice(7));
    const bytes = await readFile(blobPath);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 5) ^ 0xff, bytes.length - 5);
    await writeFile(blobPath, bytes);
    const back = await readLayout(out);
    if (back.kind !== 'image') throw new Error('want image');
    const problems = await validateImage(back.image);
    expect(problems.join('\n')).toMatch(/hashes to|DIGEST|want/);
  });
});

describe('layout blobs already present', () => {
  it('replaces a blob of the right size whose bytes are wrong, instead of keeping it', async () => {
    const dir = await tempDir();
    const image = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from('a') }]);
    const out = join(dir, 'layout');
    await writeLayout(out, { kind: 'image', image }, { tag: 'v1' });
    const layerDigest = (await image.manifest()).layers[0]!.digest;
    const blobPath = join(out, 'blobs', 'sha256', layerDigest.slice(7));
    const good = await readFile(blobPath);
    await writeFile(blobPath, Buffer.alloc(good.length, 0x41));
    await writeLayout(out, { kind: 'image', image }, { tag: 'v2' });
    expect((await readFile(blobPath)).equals(good)).toBe(true);
  });
});

describe('a blob that fails while others are written', () => {
  it('fails the write, leaves index.json and the blobs already there as they were, and no temp file', async () => {
    const dir = await tempDir();
    const old = await testImage(dir, [{ type: 'file', path: '/old', source: Buffer.from('old') }]);
    const out = join(dir, 'layout');
    await writeLayout(out, { kind: 'image', image: old }, { tag: 'v1' });
    const indexBefore = await readFile(join(out, 'index.json'));
    const blobsBefore = (await readdir(join(out, 'blobs', 'sha256'))).sort();
    // Five layers written side by side; the third one's blob is damaged after its digest was taken.
    const layers = [];
    for (let i = 0; i < 5; i++) {
      layers.push(
        await writeLayer([{ type: 'file', path: `/f${i}`, source: Buffer.alloc(200_000 + i, i) }], {
          blobDir: join(dir, `blobs-${i}`),
          mtime: 0,
        }),
      );
    }
    const damaged = await readFile(layers[2]!.path);
    damaged[damaged.length - 12] = (damaged[damaged.length - 12] ?? 0) ^ 0xff;
    await writeFile(layers[2]!.path, damaged);
    const image = await mutate(old, {
      layers: layers.map((w) => ({ layer: w.layer, history: { created_by: 'minnow test' } })),
    });
    await expect(writeLayout(out, { kind: 'image', image }, { tag: 'v1' })).rejects.toThrow(
      new RegExp(layers[2]!.digest.slice(7, 19)),
    );
    expect((await readFile(join(out, 'index.json'))).equals(indexBefore)).toBe(true);
    const blobsAfter = await readdir(join(out, 'blobs', 'sha256'));
    expect(blobsAfter.filter((n) => !/^[0-9a-f]{64}$/.test(n))).toEqual([]);
    expect(blobsAfter).not.toContain(layers[2]!.digest.slice(7));
    for (const b of blobsBefore) expect(blobsAfter).toContain(b);
    const back = await readLayout(out, { tag: 'v1' });
    if (back.kind !== 'image') throw new Error('want an image');
    expect(await back.image.digest()).toBe(await old.digest());
    expect(await validateImage(back.image)).toEqual([]);
  });
});

describe('writing what the layout already holds', () => {
  it('writes nothing when the tag already names the image and every blob is there, and writes again when one is missing', async () => {
    const dir = await tempDir();
    const image = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from('a') }]);
    const out = join(dir, 'layout');
    const first = await writeLayout(out, { kind: 'image', image }, { tag: 'v1' });
    expect(first.unchanged).toBeUndefined();
    const indexBefore = await stat(join(out, 'index.json'), { bigint: true });
    const again = await writeLayout(out, { kind: 'image', image }, { tag: 'v1' });
    expect(again).toEqual({ ...first, unchanged: true });
    const indexAfter = await stat(join(out, 'index.json'), { bigint: true });
    expect([indexAfter.ino, indexAfter.mtimeNs]).toEqual([indexBefore.ino, indexBefore.mtimeNs]);

    const layerDigest = (await image.manifest()).layers[0]!.digest;
    await rm(join(out, 'blobs', 'sha256', layerDigest.slice(7)));
    const repaired = await writeLayout(out, { kind: 'image', image }, { tag: 'v1' });
    expect(repaired.unchanged).toBeUndefined();
    const read = await readLayout(out, { tag: 'v1' });
    if (read.kind !== 'image') throw new Error('want an image');
    expect(await validateImage(read.image)).toEqual([]);
  });
});

describe('docker tarball writer', () => {
  it('takes the tag after the last colon of the name, not a registry port', () => {
    expect(tagOf('localhost:5000/app')).toBe('latest');
    expect(tagOf('localhost:5000/app:v1')).toBe('v1');
    expect(tagOf('app')).toBe('latest');
  });

  it('writes a tarball skopeo reads as docker-archive and as an OCI layout', async () => {
    const dir = await tempDir();
    const image = await testImage(dir, [{ type: 'file', path: '/hello.txt', source: Buffer.from('hi') }]);
    const file = join(dir, 'image.tar');
    const res = await writeTarball(file, image, { tags: ['minnow-test/tarball:v1'] });
    expect(res.digest).toBe(await image.digest());
    const inspect = JSON.parse(await exec('skopeo', ['inspect', `docker-archive:${file}`])) as {
      Layers: string[];
    };
    expect(inspect.Layers).toHaveLength(1);
    const back = await readDockerArchive(file, { ref: 'minnow-test/tarball:v1' });
    expect(back.kind === 'image' && (await back.image.digest())).toBe(await image.digest());
    await assertValid(back);
    await expect(writeTarball(file, image)).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
  });
});
