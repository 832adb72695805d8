import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analyze/analyze.js';
import { openImage } from '../../src/analyze/open.js';
import { writeLayout } from '../../src/publish/layout.js';
import {
  canonicalJson,
  emptyImage,
  fileLayer,
  MediaType,
  mutate,
  sha256,
  type Image,
} from '../../src/oci/index.js';
import { alpineRootfsPath } from '../helpers/fixture-images.js';
import { tempDir } from '../helpers/tmp.js';

type Member = { header: Partial<tar.Header> & { name: string }; data?: Buffer };

async function tarOf(members: Member[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const m of members) {
    await new Promise<void>((resolve, reject) =>
      pack.entry({ mtime: new Date(0), ...m.header }, m.data ?? Buffer.alloc(0), (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** An image whose one layer is `blob` (declared with `digest`/`diffId`, by default the true ones). */
async function imageWith(
  dir: string,
  blob: Buffer,
  tarBytes: Buffer,
  over: { digest?: string; diffId?: string; mediaType?: string } = {},
): Promise<Image> {
  const path = join(dir, `blob-${sha256(blob).slice(7, 19)}`);
  await writeFile(path, blob);
  const layer = fileLayer(path, {
    digest: (over.digest ?? sha256(blob)) as ReturnType<typeof sha256>,
    diffId: (over.diffId ?? sha256(tarBytes)) as ReturnType<typeof sha256>,
    size: blob.length,
    mediaType: over.mediaType ?? MediaType.OciLayerGzip,
  });
  return mutate(emptyImage({ os: 'linux', architecture: 'amd64' }), { layers: [{ layer }] });
}

async function layerImage(dir: string, members: Member[]): Promise<Image> {
  const t = await tarOf(members);
  return imageWith(dir, gzipSync(t), t);
}

describe('malformed images give one clear error and write nothing', () => {
  it('truncated gzip', async () => {
    const dir = await tempDir();
    const full = await readFile(alpineRootfsPath());
    const cut = full.subarray(0, Math.floor(full.length / 2));
    const image = await imageWith(dir, cut, Buffer.alloc(0), { diffId: sha256('x') });
    await expect(analyzeImage(image)).rejects.toMatchObject({
      code: 'INVALID_IMAGE',
      message: expect.stringMatching(/corrupt or truncated gzip/),
    });
  });

  it('a tar entry ../../etc/passwd', async () => {
    const dir = await tempDir();
    const before = await readdir(dir);
    const image = await layerImage(dir, [
      { header: { name: '../../etc/passwd', size: 5 }, data: Buffer.from('evil\n') },
    ]);
    await expect(analyzeImage(image)).rejects.toMatchObject({
      code: 'UNSAFE_PATH',
      message: expect.stringContaining('climbs out of the image root'),
    });
    expect((await readdir(dir)).filter((f) => !before.includes(f) && !f.startsWith('blob-'))).toEqual([]);
  });

  it('a symlink pointing outside the root', async () => {
    const dir = await tempDir();
    const image = await layerImage(dir, [
      { header: { name: 'app/', type: 'directory' } },
      { header: { name: 'app/escape', type: 'symlink', linkname: '../../../etc' } },
    ]);
    await expect(analyzeImage(image)).rejects.toMatchObject({
      code: 'UNSAFE_PATH',
      message: expect.stringContaining('points outside the image root'),
    });
    // An absolute target is resolved inside the container's root: not an escape.
    const ok = await layerImage(dir, [
      { header: { name: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' } },
    ]);
    expect((await analyzeImage(ok)).files.symlinks).toBe(1);
  });

  it('a layer whose digest or diff_id does not match', async () => {
    const dir = await tempDir();
    const t = await tarOf([{ header: { name: 'hello', size: 2 }, data: Buffer.from('hi') }]);
    const blob = gzipSync(t);
    const wrongDigest = await imageWith(dir, blob, t, { digest: sha256('other') });
    await expect(analyzeImage(wrongDigest)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    const wrongDiffId = await imageWith(dir, blob, t, { diffId: sha256('other') });
    await expect(analyzeImage(wrongDiffId)).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
      message: expect.stringContaining('diff_id'),
    });
  });

  it('a decompression bomb', async () => {
    const dir = await tempDir();
    const size = 80 * 1024 * 1024;
    const t = await tarOf([{ header: { name: 'zeros', size }, data: Buffer.alloc(size) }]);
    const image = await imageWith(dir, gzipSync(t, { level: 9 }), t);
    await expect(analyzeImage(image)).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
      message: expect.stringContaining('decompression bomb'),
    });
    await expect(analyzeImage(image, { maxUncompressedSize: 1024 * 1024 })).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
    });
  });

  it('invalid JSON in a docker save manifest, an OCI index and an image config', async () => {
    const dir = await tempDir();
    const archive = join(dir, 'bad.tar');
    await writeFile(
      archive,
      await tarOf([{ header: { name: 'manifest.json', size: 9 }, data: Buffer.from('{not json') }]),
    );
    await expect(openImage(archive)).rejects.toMatchObject({
      code: 'INVALID_IMAGE',
      message: expect.stringContaining('not valid JSON'),
    });
    const layout = join(dir, 'layout');
    await writeFile(join(dir, 'x'), '');
    await import('node:fs/promises').then((f) => f.mkdir(layout));
    await writeFile(join(layout, 'index.json'), '[[[');
    await expect(openImage(`oci:${layout}`)).rejects.toMatchObject({ code: 'INVALID_IMAGE' });
    // A legacy archive whose config is not JSON.
    const t = await tarOf([{ header: { name: 'f', size: 1 }, data: Buffer.from('x') }]);
    const cfg = Buffer.from('{"architecture": ');
    const legacy = join(dir, 'legacy.tar');
    await writeFile(
      legacy,
      await tarOf([
        { header: { name: 'layer/layer.tar', size: t.length }, data: t },
        { header: { name: 'config.json', size: cfg.length }, data: cfg },
        {
          header: { name: 'manifest.json' },
          data: canonicalJson([{ Config: 'config.json', RepoTags: null, Layers: ['layer/layer.tar'] }]),
        },
      ]),
    );
    await expect(openImage(legacy)).rejects.toMatchObject({
      code: 'INVALID_IMAGE',
      message: expect.stringContaining('not valid JSON'),
    });
  });

  it('a byte flipped in a legacy docker save layer', async () => {
    const dir = await tempDir();
    const t = await tarOf([{ header: { name: 'hello', size: 5 }, data: Buffer.from('hello') }]);
    const cfg = canonicalJson({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [sha256(t)] },
    });
    const flipped = Buffer.from(t);
    flipped[512] = 'j'.charCodeAt(0);
    const archive = join(dir, 'flipped.tar');
    await writeFile(
      archive,
      await tarOf([
        { header: { name: 'abc/layer.tar', size: flipped.length }, data: flipped },
        { header: { name: `${sha256(cfg).slice(7)}.json`, size: cfg.length }, data: cfg },
        {
          header: { name: 'manifest.json' },
          data: canonicalJson([
            { Config: `${sha256(cfg).slice(7)}.json`, RepoTags: ['x:1'], Layers: ['abc/layer.tar'] },
          ]),
        },
      ]),
    );
    const image = await openImage(archive);
    await expect(analyzeImage(image)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('a byte flipped in an uncompressed OCI layout layer (its digest is its diff_id: one hash checks both)', async () => {
    const dir = await tempDir();
    const t = await tarOf([{ header: { name: 'hello', size: 5 }, data: Buffer.from('hello') }]);
    const layout = join(dir, 'layout');
    await writeLayout(layout, {
      kind: 'image',
      image: await imageWith(dir, t, t, { mediaType: MediaType.OciLayer }),
    });
    const blob = join(layout, 'blobs', 'sha256', sha256(t).slice(7));
    const flipped = Buffer.from(t);
    flipped[512] = 'j'.charCodeAt(0);
    await writeFile(blob, flipped);
    await expect(analyzeImage(await openImage(`oci:${layout}`))).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
    });
  });

  it('a gzip-compressed or truncated docker save archive', async () => {
    const dir = await tempDir();
    const manifest = Buffer.from('[]');
    const t = await tarOf([{ header: { name: 'manifest.json', size: manifest.length }, data: manifest }]);
    const gz = join(dir, 'saved.tar.gz');
    await writeFile(gz, gzipSync(t));
    await expect(openImage(gz)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      hint: expect.stringContaining('gunzip'),
    });
    const cut = join(dir, 'cut.tar');
    await writeFile(cut, t.subarray(0, 700));
    await expect(openImage(cut)).rejects.toMatchObject({
      code: 'INVALID_IMAGE',
      message: expect.stringContaining('truncated'),
    });
  });
});
