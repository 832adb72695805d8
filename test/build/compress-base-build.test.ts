import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveBase } from '../../src/base/resolve.js';
import { build } from '../../src/build/build.js';
import {
  assertValid,
  hostPlatform,
  MediaType,
  peek,
  selectPlatform,
  sniffCompression,
  type Image,
} from '../../src/oci/index.js';
import { writeLayout } from '../../src/publish/layout.js';
import { writeTarball } from '../../src/publish/tarball.js';
import { copyHello } from '../go/go-fixtures.js';
import { removeImages } from '../helpers/docker-build.js';
import { exec } from '../helpers/exec.js';
import { alpineBase } from '../helpers/fixture-images.js';
import { tempDir } from '../helpers/tmp.js';

const NAME = `minnow-test-recompress/alpine:${randomBytes(4).toString('hex')}`;

function only(result: Awaited<ReturnType<typeof build>>): Image {
  if (result.target.kind !== 'image') throw new Error('expected one image');
  return result.target.image;
}

async function totalSize(image: Image): Promise<number> {
  return (await image.manifest()).layers.reduce((n, d) => n + d.size, 0);
}

describe('build on a plain-tar base (legacy docker save, real Engine)', () => {
  let work: string;
  let legacy: string;
  let hello: string;

  beforeAll(async () => {
    work = await tempDir();
    const arch = hostPlatform().architecture === 'arm64' ? 'arm64' : 'amd64';
    const oci = join(work, 'alpine-oci.tar');
    await writeTarball(oci, await alpineBase(arch), { tags: [NAME] });
    await exec('docker', ['load', '-i', oci]);
    legacy = join(work, 'alpine-legacy.tar');
    await exec('docker', ['save', '-o', legacy, NAME]);
    hello = await copyHello(join(work, 'hello'));
  }, 120_000);

  afterAll(() => removeImages([NAME]));

  it('gzips the base layer, keeps its diff_id, validates, is reproducible and smaller', async () => {
    const spec = `docker-archive:${legacy}`;
    const original = await selectPlatform(
      await resolveBase(spec, { platforms: [hostPlatform()] }),
      hostPlatform(),
      { strict: true },
    );
    const originalLayers = (await original.manifest()).layers;
    // The premise: docker save hands out the layer as a plain tar.
    expect(originalLayers.map((d) => d.mediaType)).toEqual(['application/vnd.docker.image.rootfs.diff.tar']);

    const cacheDir = join(work, 'cache');
    const first = await build({ dir: hello, cacheDir, base: spec });
    const image = only(first);
    await assertValid(image);
    const manifest = await image.manifest();
    expect(manifest.layers).toHaveLength(2);
    for (const [i, layer] of (await image.layers()).entries()) {
      expect(manifest.layers[i]?.mediaType).toBe(MediaType.OciLayerGzip);
      const stream = await layer.compressed();
      const head = await peek(stream, 4);
      stream.destroy();
      expect(sniffCompression(head)).toBe('gzip');
    }
    const config = await image.configFile();
    expect(config.rootfs.diff_ids[0]).toBe((await original.configFile()).rootfs.diff_ids[0]);
    expect(await (await image.layers())[0]?.diffId()).toBe(originalLayers[0]?.digest);
    // Sizes reported for the summary: the new digest with the tar's size.
    expect(first.images[0]?.layers[0]).toMatchObject({
      digest: manifest.layers[0]?.digest,
      uncompressedSize: originalLayers[0]?.size,
    });
    // Smaller on the wire than the base alone was, even with the app layer added.
    expect(await totalSize(image)).toBeLessThan(await totalSize(original));
    expect(manifest.layers[0]!.size).toBeLessThan(originalLayers[0]!.size / 1.5);

    // Same digest from the cache and from a fresh compression in an empty cache.
    const again = await build({ dir: hello, cacheDir, base: spec });
    expect(again.digest).toBe(first.digest);
    const fresh = await build({ dir: hello, cacheDir: join(work, 'cache-2'), base: spec });
    expect(fresh.digest).toBe(first.digest);

    // daemon: reads the same plain tar from the Engine and gets the same gzip layer.
    const fromDaemon = only(await build({ dir: hello, cacheDir, base: `daemon:${NAME}` }));
    expect((await fromDaemon.manifest()).layers[0]?.digest).toBe(manifest.layers[0]?.digest);

    const layout = join(work, 'layout');
    await writeLayout(layout, first.target, { tag: 'gz' });
    const inspected = JSON.parse(await exec('skopeo', ['inspect', `oci:${layout}:gz`])) as {
      Digest: string;
      Layers: string[];
    };
    expect(inspected.Digest).toBe(first.digest);
    expect(inspected.Layers).toEqual(manifest.layers.map((d) => d.digest));
    const raw = JSON.parse(await exec('skopeo', ['inspect', '--raw', `oci:${layout}:gz`])) as {
      layers: { mediaType: string }[];
    };
    expect(raw.layers.map((l) => l.mediaType)).toEqual([MediaType.OciLayerGzip, MediaType.OciLayerGzip]);
  }, 300_000);
});
