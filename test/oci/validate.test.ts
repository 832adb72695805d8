import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  assertValid,
  canonicalJson,
  emptyImage,
  imageFromLayers,
  indexOf,
  MediaType,
  mutate,
  sha256,
  validateImage,
  validateIndex,
  writeLayer,
  type Digest,
  type Image,
  type ImageIndex,
  type Layer,
} from '../../src/oci/index.js';
import { failure } from '../helpers/failure.js';
import { tempDir } from '../helpers/tmp.js';

const amd64 = { os: 'linux', architecture: 'amd64' };
let good: Image;
let layer: Layer;

beforeAll(async () => {
  const dir = await tempDir();
  const written = await writeLayer([{ type: 'file', path: '/etc/hello', source: Buffer.from('hi\n') }], {
    blobDir: join(dir, 'blobs'),
    mtime: 0,
  });
  good = await mutate(emptyImage(amd64), { layers: [{ layer: written.layer }] });
  layer = (await good.layers())[0]!;
});

/** The image with some accessors replaced: how each broken image below is made, deterministically. */
const withImage = (image: Image, over: Partial<Image>): Image => ({
  mediaType: () => image.mediaType(),
  rawManifest: () => image.rawManifest(),
  manifest: () => image.manifest(),
  digest: () => image.digest(),
  rawConfig: () => image.rawConfig(),
  configFile: () => image.configFile(),
  layers: () => image.layers(),
  layerByDigest: (d) => image.layerByDigest(d),
  ...over,
});
const withLayer = (l: Layer, over: Partial<Layer>): Layer => ({
  digest: () => l.digest(),
  diffId: () => l.diffId(),
  size: () => l.size(),
  mediaType: () => l.mediaType(),
  compressed: () => l.compressed(),
  uncompressed: () => l.uncompressed(),
  ...over,
});
const withLayers = (image: Image, layers: Layer[]): Image => withImage(image, { layers: async () => layers });
/** An image whose manifest and config are these bytes (each consistent with the other unless edited). */
async function rebuilt(edit: {
  config?: (c: Record<string, unknown>) => void;
  layers?: Layer[];
}): Promise<Image> {
  const config = JSON.parse((await good.rawConfig()).toString()) as Record<string, unknown>;
  edit.config?.(config);
  const rawConfig = canonicalJson(config);
  const manifest = await good.manifest();
  const rawManifest = canonicalJson({
    ...manifest,
    config: { ...manifest.config, digest: sha256(rawConfig), size: rawConfig.length },
  });
  return imageFromLayers(rawManifest, rawConfig, edit.layers ?? (await good.layers()));
}
const OTHER = `sha256:${'0'.repeat(64)}` as Digest;
const otherTar = gzipSync(Buffer.alloc(1024));

describe('validateImage: as strict as go-containerregistry, every mismatch at once', () => {
  it('finds nothing wrong with a consistent image, and assertValid passes it', async () => {
    expect(await validateImage(good)).toEqual([]);
    await assertValid(good);
    await assertValid({ kind: 'image', image: good });
  });

  it.each<[string, () => Promise<Image>, RegExp[]]>([
    [
      'layers() shorter than the manifest',
      async () => withLayers(good, []),
      [/^layers: layers\(\) has 0, the manifest lists 1$/],
    ],
    [
      "a layer's digest() disagrees with the manifest and its bytes",
      async () => withLayers(good, [withLayer(layer, { digest: async () => OTHER })]),
      [
        /^layer\[0\] digest: digest\(\)=sha256:0{64}, sha256\(compressed\(\)\)=sha256:[a-f0-9]{64}$/,
        /^layer\[0\] layerByDigest\(sha256:0{64}\): image has no layer/,
      ],
    ],
    [
      "a layer's size() is wrong",
      async () => withLayers(good, [withLayer(layer, { size: async () => 7 })]),
      [/^layer\[0\] size: size\(\)=7, len\(compressed\(\)\)=\d+$/],
    ],
    [
      "a layer's mediaType() disagrees with the manifest",
      async () => withLayers(good, [withLayer(layer, { mediaType: async () => MediaType.OciLayerZstd })]),
      [
        /^layer\[0\] media type: mediaType\(\)=application\/vnd\.oci\.image\.layer\.v1\.tar\+zstd, manifest says application\/vnd\.oci\.image\.layer\.v1\.tar\+gzip$/,
      ],
    ],
    [
      "a layer's diffId() is wrong",
      async () => withLayers(good, [withLayer(layer, { diffId: async () => OTHER })]),
      [
        /^layer\[0\] diff_id: diffId\(\)=sha256:0{64}, sha256\(decompress\(compressed\(\)\)\)=/,
        /^layer\[0\] diff_id: diffId\(\)=sha256:0{64}, sha256\(uncompressed\(\)\)=/,
        /^layer\[0\] layerByDigest\(sha256:0{64}\): image has no layer/,
      ],
    ],
    [
      "a layer's bytes are not what the manifest names",
      async () => withLayers(good, [withLayer(layer, { compressed: async () => Readable.from([otherTar]) })]),
      [
        // The blob stands in for the layer: every accessor and the manifest and config disagree with it.
        /^layer\[0\] digest: digest\(\)=sha256:[a-f0-9]{64}, sha256\(compressed\(\)\)=/,
        /^layer\[0\] digest: manifest says sha256:[a-f0-9]{64}, sha256\(compressed\(\)\)=/,
        /^layer\[0\] size: size\(\)=\d+, len\(compressed\(\)\)=29$/,
        /^layer\[0\] size: manifest says \d+, len\(compressed\(\)\)=29$/,
        /^layer\[0\] diff_id: diffId\(\)=sha256:[a-f0-9]{64}, sha256\(decompress\(compressed\(\)\)\)=/,
        /^layer\[0\] diff_id: config says sha256:[a-f0-9]{64}, sha256\(decompress\(compressed\(\)\)\)=/,
      ],
    ],
    [
      "uncompressed() does not give the layer's tar",
      async () =>
        withLayers(good, [
          withLayer(layer, { uncompressed: async () => Readable.from([Buffer.alloc(1024)]) }),
        ]),
      [/^layer\[0\] diff_id: diffId\(\)=sha256:[a-f0-9]{64}, sha256\(uncompressed\(\)\)=/],
    ],
    [
      "the config's diff_id is not the layer's",
      () =>
        rebuilt({
          config: (c) => ((c.rootfs as { diff_ids: string[] }).diff_ids = [OTHER]),
        }),
      [/^layer\[0\] diff_id: config says sha256:0{64}, sha256\(decompress\(compressed\(\)\)\)=/],
    ],
    [
      'the config lists more diff_ids than the manifest has layers',
      () => rebuilt({ config: (c) => (c.rootfs as { diff_ids: string[] }).diff_ids.push(OTHER) }),
      [/^layers: the config lists 2 diff_ids, the manifest 1 layers$/],
    ],
    [
      'the config bytes are not what the manifest names',
      async () =>
        withImage(good, {
          rawConfig: async () => canonicalJson({ ...(await good.configFile()), author: 'someone else' }),
        }),
      [
        /^config digest: the manifest says sha256:[a-f0-9]{64}, sha256\(rawConfig\(\)\)=/,
        /^config size: the manifest says \d+, len\(rawConfig\(\)\)=\d+$/,
        /^config content: configFile\(\) differs from parseImageConfig\(rawConfig\(\)\)$/,
      ],
    ],
    [
      'configFile() is not its re-parsed bytes',
      async () =>
        withImage(good, {
          configFile: async () => ({ ...(await good.configFile()), architecture: 'arm64' }),
        }),
      [/^config content: configFile\(\) differs from parseImageConfig\(rawConfig\(\)\)$/],
    ],
    [
      'digest() is not the hash of the manifest bytes',
      async () => withImage(good, { digest: async () => OTHER }),
      [/^manifest digest: digest\(\)=sha256:0{64}, sha256\(rawManifest\(\)\)=/],
    ],
    [
      'manifest() is not its re-parsed bytes',
      async () =>
        withImage(good, { manifest: async () => ({ ...(await good.manifest()), annotations: { a: 'b' } }) }),
      [/^manifest content: manifest\(\) differs from parseManifest\(rawManifest\(\)\)$/],
    ],
    [
      'mediaType() is not what the manifest says',
      async () => withImage(good, { mediaType: async () => MediaType.DockerManifest }),
      [/^manifest media type: mediaType\(\)=application\/vnd\.docker/],
    ],
  ])('%s', async (_name, make, expected) => {
    const problems = await validateImage(await make());
    for (const re of expected)
      expect(
        problems.some((p) => re.test(p)),
        `${re} in ${problems.join(' | ')}`,
      ).toBe(true);
    expect(problems).toHaveLength(expected.length);
  });

  it('reports every mismatch at once, and assertValid throws them all', async () => {
    const broken = withImage(
      withLayers(good, [withLayer(layer, { size: async () => 7, diffId: async () => OTHER })]),
      {
        digest: async () => OTHER,
        rawConfig: async () => Buffer.from('{"x":1}'),
      },
    );
    const problems = await validateImage(broken);
    expect(problems.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining([
        'manifest digest',
        'config digest',
        'config size',
        'layer[0] size',
        'layer[0] diff_id',
      ]),
    );
    const err = await failure(assertValid(broken, 'the test image'));
    expect(err).toMatchObject({ code: 'INVALID_IMAGE', details: { problems } });
    expect(err.message).toMatch(
      new RegExp(`^the test image is not valid \\(${problems.length} problems\\): `),
    );
  });
});

describe('validateIndex', () => {
  const withIndex = (index: ImageIndex, over: Partial<ImageIndex>): ImageIndex => ({
    mediaType: () => index.mediaType(),
    rawManifest: () => index.rawManifest(),
    indexManifest: () => index.indexManifest(),
    digest: () => index.digest(),
    image: (d) => index.image(d),
    imageIndex: (d) => index.imageIndex(d),
    ...over,
  });

  it('checks its bytes, each child against its descriptor, and each child itself', async () => {
    const index = await indexOf([{ image: good, platform: amd64 }]);
    expect(await validateIndex(index)).toEqual([]);
    await assertValid({ kind: 'index', index });

    const other = await mutate(good, { annotations: { 'org.example.longer': 'manifest' } });
    const wrongChild = withIndex(index, { image: async () => other, digest: async () => OTHER });
    const problems = await validateIndex(wrongChild);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^index digest: digest\(\)=sha256:0{64}, sha256\(rawManifest\(\)\)=/);
    expect(problems[1]).toMatch(
      /^manifests\[0\] sha256:[a-f0-9]{64}: sha256\(rawManifest\(\)\)=sha256:[a-f0-9]{64}, the index says /,
    );
    expect(problems[2]).toMatch(
      /^manifests\[0\] sha256:[a-f0-9]{64}: len\(rawManifest\(\)\)=\d+, the index says \d+$/,
    );

    const brokenChild = withIndex(index, { image: async () => withLayers(good, []) });
    expect(await validateIndex(brokenChild)).toEqual([
      expect.stringMatching(
        /^manifests\[0\] sha256:[a-f0-9]{64}: layers: layers\(\) has 0, the manifest lists 1$/,
      ),
    ]);
    const content = withIndex(index, {
      indexManifest: async () => ({ ...(await index.indexManifest()), manifests: [] }),
    });
    expect(await validateIndex(content)).toEqual([
      'index content: indexManifest() differs from parseIndexManifest(rawManifest())',
    ]);
    await expect(assertValid(brokenChild)).rejects.toMatchObject({ code: 'INVALID_IMAGE' });
  });
});
