import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { build } from '../../src/build/build.js';
import { verdictPath, verifyBaseLayers } from '../../src/build/verify-base.js';
import {
  emptyImage,
  fileLayer,
  isTarHeader,
  MediaType,
  mutate,
  sha256,
  type Digest,
  type Image,
  type Layer,
} from '../../src/oci/index.js';
import { writeLayout } from '../../src/publish/layout.js';
import { failure } from '../helpers/failure.js';
import { gzipLayerFile, tarOf } from '../helpers/tar-layers.js';
import { tempDir } from '../helpers/tmp.js';

async function gzLayer(dir: string, content: Buffer, diffId: Digest = sha256(content)): Promise<Layer> {
  const blob = gzipSync(content);
  const path = join(dir, `blob-${sha256(blob).slice(7, 19)}`);
  await writeFile(path, blob);
  return fileLayer(path, {
    digest: sha256(blob),
    diffId,
    size: blob.length,
    mediaType: MediaType.OciLayerGzip,
  });
}

function imageOf(layers: Layer[]): Promise<Image> {
  return mutate(emptyImage({ os: 'linux', architecture: 'amd64' }), {
    layers: layers.map((layer) => ({ layer })),
  });
}

describe('verifyBaseLayers', () => {
  it('accepts true layers, records the verdict, and a warm run reads no blob', async () => {
    const dir = await tempDir();
    const good = await gzLayer(dir, await tarOf([{ header: { name: 'etc/hosts' }, data: '127.0.0.1 x\n' }]));
    const empty = await gzLayer(dir, Buffer.alloc(0));
    const cacheDir = join(dir, 'cache');
    await verifyBaseLayers(await imageOf([good, empty]), { cacheDir });
    expect(await readFile(verdictPath(cacheDir, await good.digest()), 'utf8')).toBe(await good.diffId());
    // The same digests, but every read fails: only a cached verdict lets this pass.
    const unreadable = (l: Layer): Layer => ({
      ...l,
      compressed: () => Promise.reject(new Error('read on a warm run')),
      uncompressed: () => Promise.reject(new Error('read on a warm run')),
    });
    await verifyBaseLayers(await imageOf([unreadable(good), unreadable(empty)]), { cacheDir });
  });

  it('refuses a layer whose content does not match its diff_id, naming index and digest', async () => {
    const dir = await tempDir();
    const t = await tarOf([{ header: { name: 'a' }, data: 'a' }]);
    const good = await gzLayer(dir, t);
    const lying = await gzLayer(dir, t, sha256(Buffer.from('something else')));
    const err = await failure(verifyBaseLayers(await imageOf([good, lying]), { cacheDir: join(dir, 'c') }));
    expect(err.code).toBe('DIGEST_MISMATCH');
    expect(err.message).toBe(
      `base layer 1 (${await lying.digest()}): uncompressed content hashes to ${sha256(t)}, the config's diff_id is ${await lying.diffId()}`,
    );
  });

  it('refuses a layer that is not a tar, even with a true diff_id', async () => {
    const dir = await tempDir();
    const elf = Buffer.concat([Buffer.from('\x7fELF'), Buffer.alloc(4096, 1)]);
    const notTar = await gzLayer(dir, elf);
    const err = await failure(verifyBaseLayers(await imageOf([notTar]), { cacheDir: join(dir, 'c') }));
    expect(err.code).toBe('INVALID_IMAGE');
    expect(err.message).toBe(`base layer 0 (${await notTar.digest()}) is not a tar archive`);
  });

  it('names the layer of a truncated gzip stream', async () => {
    const dir = await tempDir();
    const t = await tarOf([{ header: { name: 'big' }, data: Buffer.alloc(200_000, 7) }]);
    const blob = gzipSync(t).subarray(0, 200);
    const layer = await gzipLayerFile(dir, t, blob);
    const err = await failure(verifyBaseLayers(await imageOf([layer]), { cacheDir: join(dir, 'c') }));
    expect(err.code).toBe('INVALID_IMAGE');
    expect(err.message).toBe(`base layer 0 (${sha256(blob)}): cannot decompress: unexpected end of file`);
  });
  it('stops a decompression bomb at the ratio limit, long before its end', async () => {
    const dir = await tempDir();
    // 256 MiB of zeros gzip to about 260 kB: past 64 MiB the 250:1 ratio stops it.
    const zeros = Buffer.alloc(256 * 1024 * 1024);
    const layer = await gzLayer(dir, zeros, sha256(Buffer.from('never reached')));
    const before = process.memoryUsage().rss;
    const err = await failure(verifyBaseLayers(await imageOf([layer]), { cacheDir: join(dir, 'c') }));
    expect(err.code).toBe('LIMIT_EXCEEDED');
    expect(err.message).toMatch(
      new RegExp(
        `^base layer 0 \\(${await layer.digest()}\\) inflates more than 250:1 \\(\\d+ bytes from \\d+\\): a decompression bomb$`,
      ),
    );
    expect(process.memoryUsage().rss - before).toBeLessThan(128 * 1024 * 1024);
  });
});

describe('build on a base with a lying layer', () => {
  it('fails with the base layer named, and records no verdict for it', async () => {
    const dir = await tempDir();
    const t = await tarOf([{ header: { name: 'etc/motd' }, data: 'hi\n' }]);
    const good = await gzLayer(dir, await tarOf([{ header: { name: 'etc/hosts' }, data: '127.0.0.1 x\n' }]));
    const lying = await gzLayer(dir, t, sha256(Buffer.from('something else')));
    const layout = join(dir, 'base');
    await writeLayout(layout, { kind: 'image', image: await imageOf([good, lying]) }, { tag: 'v1' });
    const cacheDir = join(dir, 'cache');
    const err = await failure(
      build({
        dir: fileURLToPath(new URL('../../examples/hello', import.meta.url)),
        base: `oci:${layout}:v1`,
        platforms: [{ os: 'linux', architecture: 'amd64' }],
        cacheDir,
      }),
    );
    expect(err.code).toBe('DIGEST_MISMATCH');
    expect(err.message).toBe(
      `base layer 1 (${await lying.digest()}): uncompressed content hashes to ${sha256(t)}, the config's diff_id is ${await lying.diffId()}`,
    );
    await expect(readFile(verdictPath(cacheDir, await lying.digest()), 'utf8')).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});

describe('isTarHeader', () => {
  it('tells tar headers from other blocks', async () => {
    const t = await tarOf([{ header: { name: 'x' }, data: 'x' }]);
    expect(isTarHeader(t.subarray(0, 512))).toBe(true);
    expect(isTarHeader(Buffer.alloc(512))).toBe(true);
    const bad = Buffer.from(t.subarray(0, 512));
    bad[0] = (bad[0] as number) ^ 1;
    expect(isTarHeader(bad)).toBe(false);
    expect(isTarHeader(Buffer.alloc(511))).toBe(false);
  });
});
