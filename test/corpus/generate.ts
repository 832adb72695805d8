import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  canonicalJson,
  emptyImage,
  fileLayer,
  MediaType,
  mutate,
  sha256,
  type Digest,
  type Image,
} from '../../src/oci/index.js';
import { writeLayout } from '../../src/publish/layout.js';
import { writeTarball } from '../../src/publish/tarball.js';
import { tarOf, type Member } from '../helpers/tar-layers.js';

/**
 * The hostile-input corpus: a deterministic generator of crafted images, one per class of attack or damage minnow
 * was found to mishandle (issue 15) and those it already held against, so they keep holding. Each case is written
 * as an OCI layout and, where the damage survives the format, as a docker archive and as an image to push to a
 * registry; damage a registry would refuse to store (a `null` manifest, a blob that lies about its digest) is
 * served by the test's fault proxy instead. Nothing random: the same bytes every run.
 */

/** What a command must do with a case: its exit status and a pattern for its one error line (none on success). */
export interface Expect {
  exit: number;
  line?: RegExp;
}

/** A manifest or blob the fault proxy serves in place of the registry's answer. */
export interface Served {
  /** Repository path under the registry, e.g. `corpus/manifest-null`. */
  repo: string;
  manifest: Buffer;
  /** Blobs the proxy serves by digest (the registry never stores them). */
  blobs?: Map<Digest, Buffer>;
}

export interface CorpusCase {
  name: string;
  /** Where the case's issue item is (`held` for classes that held before). */
  item: string;
  /** `oci:DIR` and `docker-archive:FILE` specs for this case. */
  specs: string[];
  /** The image to push to the registry, when the registry stores this damage. */
  image?: Image;
  /** What the fault proxy serves, when the registry would refuse to store it. */
  served?: Served;
  analyze: Expect;
  build: Expect;
}

type Layer = { blob: Buffer; tar: Buffer; mediaType?: string; diffId?: Digest };

const gz = (t: Buffer): Buffer => gzipSync(t, { level: 9 });
const unknownDiffId = sha256(Buffer.from('never reached'));

/** `size` zero bytes through a compressor of Debian's (setup-test-env.sh installs zstd). */
function zerosThrough(size: number, command: string): Buffer {
  return execFileSync('sh', ['-c', `head -c ${size} /dev/zero | ${command}`], {
    maxBuffer: 64 * 1024 * 1024,
  });
}

async function imageOf(dir: string, layers: Layer[]): Promise<Image> {
  const added = [];
  for (const [i, l] of layers.entries()) {
    const path = join(dir, `blob-${i}`);
    await writeFile(path, l.blob);
    added.push({
      layer: fileLayer(path, {
        digest: sha256(l.blob),
        diffId: l.diffId ?? sha256(l.tar),
        size: l.blob.length,
        mediaType: l.mediaType ?? MediaType.OciLayerGzip,
      }),
    });
  }
  return mutate(emptyImage({ os: 'linux', architecture: 'amd64' }), {
    layers: added,
    config: (c) => ({ ...c, created: '1970-01-01T00:00:00Z' }),
  });
}

async function layerOf(members: Member[]): Promise<Layer> {
  const tar = await tarOf(members);
  return { blob: gz(tar), tar };
}

const raw = (tar: Buffer): Layer => ({ blob: gz(tar), tar });

/**
 * One raw ustar header block: tar-stream refuses to write the damage this corpus needs (a negative base-256 size,
 * a PAX record whose length lies), so the fields are set by hand and the checksum computed over them.
 */
function header(name: string, typeflag: string, size: number | Buffer): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  if (typeof size === 'number') h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  else size.copy(h, 124);
  h.write('00000000000\0', 136, 'latin1');
  h.write(typeflag, 156, 'latin1');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

function padded(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

const END = Buffer.alloc(1024);

/** A layout whose index points at `manifest` (any bytes), with `blobs` stored under their digests. */
async function rawLayout(
  dir: string,
  manifest: Buffer,
  blobs: Buffer[] = [],
  mediaType?: string,
): Promise<string> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const b of [manifest, ...blobs]) await writeFile(join(dir, 'blobs', 'sha256', sha256(b).slice(7)), b);
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const index = {
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests: [
      { mediaType: mediaType ?? MediaType.OciManifest, digest: sha256(manifest), size: manifest.length },
    ],
  };
  await writeFile(join(dir, 'index.json'), canonicalJson(index));
  return dir;
}

const fails = (line: RegExp, exit = 1): Expect => ({ exit, line });
const ok: Expect = { exit: 0 };
const DIGEST = 'sha256:[0-9a-f]{64}';

/** Writes every case under `root`; returns them with what each command must do. */
export async function generateCorpus(root: string): Promise<CorpusCase[]> {
  const cases: CorpusCase[] = [];
  /** A case in every medium: layout, docker archive and (pushed by the test) registry. */
  const everywhere = async (
    name: string,
    item: string,
    layers: Layer[],
    analyze: Expect,
    build: Expect,
  ): Promise<void> => {
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    const image = await imageOf(dir, layers);
    await writeLayout(join(dir, 'layout'), { kind: 'image', image });
    await writeTarball(join(dir, 'image.tar'), image);
    cases.push({
      name,
      item,
      specs: [`oci:${join(dir, 'layout')}`, `docker-archive:${join(dir, 'image.tar')}`],
      image,
      analyze,
      build,
    });
  };
  /** A case of manifest-level damage: a raw layout, and the same bytes served for a registry repository. */
  const manifestDamage = async (
    name: string,
    item: string,
    manifest: Buffer,
    blobs: Buffer[],
    analyze: Expect,
    build: Expect,
    served?: Partial<Served>,
  ): Promise<void> => {
    const dir = await rawLayout(join(root, name), manifest, blobs);
    cases.push({
      name,
      item,
      specs: [`oci:${dir}`],
      served: { repo: `corpus/${name}`, manifest, ...served },
      analyze,
      build,
    });
  };

  const good = await layerOf([{ header: { name: 'etc/hello' }, data: 'hello\n' }]);

  // Classes that held before, kept holding.
  await everywhere('sound', 'held', [good], ok, ok);
  // build copies base layers verbatim: runtimes refuse such entries when they unpack; analyze names them.
  await everywhere(
    'traversal',
    'held',
    [await layerOf([{ header: { name: '../../etc/evil' }, data: 'x' }])],
    fails(/climbs out of the image root/),
    ok,
  );
  await everywhere(
    'symlink-escape',
    'held',
    [await layerOf([{ header: { name: 'a/link', type: 'symlink', linkname: '../../../etc' } }])],
    fails(/points outside the image root/),
    ok,
  );

  // Item 1: wrong success (a diff_id that lies, a layer that is no tar).
  await everywhere(
    'wrong-diff-id',
    '1',
    [{ ...good, diffId: sha256(Buffer.from('another tar')) }],
    fails(/diff_id is sha256:/),
    fails(new RegExp(`^error: base layer 0 \\(${DIGEST}\\): uncompressed content hashes to ${DIGEST}`)),
  );
  const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.alloc(4092, 7)]);
  await everywhere(
    'not-tar',
    '1',
    [{ blob: gz(elf), tar: elf }],
    fails(new RegExp(`^error: layer 0 \\(${DIGEST}\\) is not a tar archive$`)),
    fails(new RegExp(`^error: base layer 0 \\(${DIGEST}\\) is not a tar archive$`)),
  );

  // Item 4: decompression bombs, 1 GiB of zeros each.
  await everywhere(
    'zstd-bomb',
    '4',
    [
      {
        blob: zerosThrough(1024 ** 3, 'zstd -19 -q -c'),
        tar: Buffer.alloc(0),
        mediaType: MediaType.OciLayerZstd,
        diffId: unknownDiffId,
      },
    ],
    fails(/inflates more than 250:1 .*: a decompression bomb/),
    fails(/inflates more than 250:1 .*: a decompression bomb/),
  );
  await everywhere(
    'gzip-bomb',
    '4',
    [{ blob: zerosThrough(1024 ** 3, 'gzip -9 -c'), tar: Buffer.alloc(0), diffId: unknownDiffId }],
    fails(/inflates more than 250:1 .*: a decompression bomb/),
    fails(/inflates more than 250:1 .*: a decompression bomb/),
  );

  // Item 7: terminal injection through file names (analyze succeeds; the test checks no ESC is printed).
  await everywhere(
    'escape-names',
    '7',
    [
      await layerOf([
        { header: { name: 'etc/\u001b[2J\u001b[Hclear' }, data: 'x' },
        { header: { name: 'etc/fake\nFindings: 0 critical' }, data: 'x' },
      ]),
    ],
    ok,
    ok,
  );

  // Item 8: raw or misleading messages.
  const truncated = gz(await tarOf([{ header: { name: 'big' }, data: Buffer.alloc(300_000, 1) }]));
  await everywhere(
    'truncated-gzip',
    '8',
    [{ blob: truncated.subarray(0, 300), tar: Buffer.alloc(0), diffId: unknownDiffId }],
    fails(new RegExp(`layer 0 \\(${DIGEST}\\).*(truncated|corrupt|unexpected end of file)`)),
    fails(new RegExp(`^error: base layer 0 \\(${DIGEST}\\): cannot decompress: unexpected end of file$`)),
  );
  await manifestDamage(
    'manifest-null',
    '8',
    Buffer.from('null'),
    [],
    fails(/manifest is not a JSON object \(null\)/),
    fails(/manifest is not a JSON object \(null\)/),
  );

  // Item 9: accepted silently before.
  const negative = Buffer.concat([
    header('etc/negative', '0', Buffer.from([0xff, ...Buffer.alloc(11, 0xff)])),
    END,
  ]);
  await everywhere(
    'negative-size',
    '9',
    [raw(negative)],
    fails(new RegExp(`layer 0 \\(${DIGEST}\\) has a tar header with an invalid size at byte 0$`)),
    fails(
      new RegExp(`^error: base layer 0 \\(${DIGEST}\\) has a tar header with an invalid size at byte 0$`),
    ),
  );
  const lyingPax = Buffer.from('99 path=etc/one\nline two\n');
  const badPax = Buffer.concat([
    header('PaxHeader/x', 'x', lyingPax.length),
    padded(lyingPax),
    header('etc/x', '0', 0),
    END,
  ]);
  await everywhere(
    'bad-pax',
    '9',
    [raw(badPax)],
    fails(
      /layer 0 \(sha256:[0-9a-f]{64}\) \(PAX header at byte 0\): malformed PAX record: the length 99 at byte 0/,
    ),
    fails(/^error: base layer 0 \(sha256:[0-9a-f]{64}\) \(PAX header at byte 0\): malformed PAX record/),
  );
  await everywhere(
    'hardlink-missing',
    '9',
    [await layerOf([{ header: { name: 'hard', type: 'link', linkname: 'nowhere' } }])],
    fails(/hard link \/hard -> \/nowhere: the target does not exist/),
    ok,
  );
  await everywhere(
    'hardlink-to-dir',
    '9',
    [
      await layerOf([
        { header: { name: 'dir/', type: 'directory' } },
        { header: { name: 'hard', type: 'link', linkname: 'dir' } },
      ]),
    ],
    fails(/hard link \/hard -> \/dir/),
    ok,
  );
  await everywhere(
    'unknown-media-type',
    '9',
    [{ ...good, mediaType: 'application/x-evil' }],
    ok,
    fails(
      new RegExp(
        `^error: base layer 0 \\(${DIGEST}\\) has media type "application/x-evil", which no runtime unpacks$`,
      ),
    ),
  );
  const many: Layer[] = [];
  for (let i = 0; i < 130; i++)
    many.push(await layerOf([{ header: { name: `layer-${i}` }, data: String(i) }]));
  await everywhere(
    'too-many-layers',
    '9',
    many,
    ok,
    fails(/^error: the image would have 131 layers; Docker and containerd run at most 125$/),
  );
  const huge = Buffer.from(JSON.stringify({ schemaVersion: 2, pad: 'x'.repeat(5 * 1024 * 1024) }));
  await manifestDamage(
    'huge-manifest',
    '9',
    huge,
    [],
    fails(/is \d+ bytes, more than the 4194304 a manifest may be|is larger than 4194304 bytes/),
    fails(/is \d+ bytes, more than the 4194304 a manifest may be|is larger than 4194304 bytes/),
  );

  // Digest lies: a config blob whose bytes are not the ones its digest names.
  const config = Buffer.from(
    canonicalJson({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [sha256(good.tar)] },
      config: {},
    }),
  );
  const manifest = (configDigest: Digest): Buffer =>
    Buffer.from(
      canonicalJson({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: MediaType.OciConfig, digest: configDigest, size: config.length },
        layers: [{ mediaType: MediaType.OciLayerGzip, digest: sha256(good.blob), size: good.blob.length }],
      }),
    );
  const otherConfig = Buffer.from(config.toString().replace('amd64', 'arm64'));
  const lyingManifest = manifest(sha256(config));
  const lyingDir = join(root, 'config-digest-lie');
  await rawLayout(lyingDir, lyingManifest, [good.blob]);
  // The blob named after the true config holds another config's bytes.
  await writeFile(join(lyingDir, 'blobs', 'sha256', sha256(config).slice(7)), otherConfig);
  cases.push({
    name: 'config-digest-lie',
    item: 'held',
    specs: [`oci:${lyingDir}`],
    served: {
      repo: 'corpus/config-digest-lie',
      manifest: lyingManifest,
      blobs: new Map([
        [sha256(config), otherConfig],
        [sha256(good.blob), good.blob],
      ]),
    },
    analyze: fails(new RegExp(`${DIGEST}.*(hashes to|digest)`)),
    build: fails(new RegExp(`${DIGEST}.*(hashes to|digest)`)),
  });
  const configNull = Buffer.from('null');
  await manifestDamage(
    'config-null',
    '8',
    Buffer.from(
      canonicalJson({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: MediaType.OciConfig, digest: sha256(configNull), size: configNull.length },
        layers: [],
      }),
    ),
    [configNull],
    fails(/config/),
    fails(/config/),
    { blobs: new Map([[sha256(configNull), configNull]]) },
  );

  // Indexes nested ten deep (real images use one or two levels).
  const deepDir = join(root, 'deep-index');
  const soundManifest = manifest(sha256(config));
  let child: { mediaType: string; body: Buffer } = { mediaType: MediaType.OciManifest, body: soundManifest };
  const chain: Buffer[] = [soundManifest, config, good.blob];
  for (let i = 0; i < 10; i++) {
    const d = {
      mediaType: child.mediaType,
      digest: sha256(child.body),
      size: child.body.length,
      ...(child.mediaType === MediaType.OciManifest
        ? { platform: { os: 'linux', architecture: 'amd64' } }
        : {}),
    };
    const body = Buffer.from(
      canonicalJson({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [d] }),
    );
    chain.push(body);
    child = { mediaType: MediaType.OciIndex, body };
  }
  await rawLayout(deepDir, child.body, chain, MediaType.OciIndex);
  cases.push({
    name: 'deep-index',
    item: '9',
    specs: [`oci:${deepDir}`],
    analyze: fails(new RegExp(`index ${DIGEST} is nested more than 8 indexes deep`)),
    build: fails(new RegExp(`index ${DIGEST} is nested more than 8 indexes deep`)),
  });
  return cases;
}
