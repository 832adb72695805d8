import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { posix, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageAnalysis } from '../../src/analyze/types.js';
import { writeTarball } from '../../src/publish/tarball.js';
import { cli } from '../helpers/cli.js';
import { imageSize, legacyBuild, removeImages } from '../helpers/docker-build.js';
import { exec } from '../helpers/exec.js';
import { alpineBase } from '../helpers/fixture-images.js';
import { tempDir } from '../helpers/tmp.js';

const HELLO = fileURLToPath(new URL('../../examples/hello/', import.meta.url));
const run = randomBytes(4).toString('hex');
const BASE = `minnow-test-engine-images/alpine:${run}`;
const HARDLINK = `minnow-test-engine-images/hardlink:${run}`;
const OPAQUE = `minnow-test-engine-images/opaque:${run}`;
const APP = `minnow-test-engine-images/hello:${run}`;

/** One tar member as the archive states it; the path is absolute, without `./` or a trailing `/`. */
interface Member {
  path: string;
  type: tar.Header['type'];
  size: number;
  linkname: string;
}

/** The members of a tar file, read with tar-stream (not minnow's own tar reader). */
async function members(file: string): Promise<Member[]> {
  const extract = tar.extract();
  const source = createReadStream(file);
  source.on('error', (err) => extract.destroy(err));
  source.pipe(extract);
  const out: Member[] = [];
  for await (const entry of extract) {
    const h = entry.header;
    const name = h.name.replace(/^\.?\//, '').replace(/\/$/, '');
    out.push({ path: `/${name}`, type: h.type, size: h.size, linkname: h.linkname });
    entry.resume();
  }
  return out;
}

const isRegular = (m: Member): boolean => m.type === 'file' || m.type === 'contiguous-file';
/** Bytes of regular files: a hard link is a member of size 0, so each linked inode counts once. */
const regularBytes = (ms: Member[]): number => ms.filter(isRegular).reduce((s, m) => s + m.size, 0);

/** `docker save` of `tag`, unpacked: the archive's path and each layer's members, lowest first. */
async function saved(dir: string, tag: string): Promise<{ archive: string; layers: Member[][] }> {
  const name = tag.replace(/[^a-z0-9]+/gi, '-');
  const archive = join(dir, `${name}.tar`);
  await exec('docker', ['save', '-o', archive, tag]);
  const unpacked = join(dir, name);
  await mkdir(unpacked);
  await exec('tar', ['-xf', archive, '-C', unpacked]);
  const [manifest] = JSON.parse(await readFile(join(unpacked, 'manifest.json'), 'utf8')) as {
    Layers: string[];
  }[];
  const layers: Member[][] = [];
  for (const layer of manifest?.Layers ?? []) layers.push(await members(join(unpacked, layer)));
  return { archive, layers };
}

/**
 * What the Engine's init layer (moby daemon/initlayer/setup_unix.go) lays over every container it creates: these
 * paths become empty files whatever the image holds there (alpine's /etc/hosts and /etc/hostname among them).
 */
const INIT_LAYER_FILES = ['/.dockerenv', '/etc/resolv.conf', '/etc/hosts', '/etc/hostname', '/dev/console'];

/**
 * The image's final filesystem as the Engine makes it: `docker create` + `docker export`, with the init layer's
 * files taken back out and the image's own entries at those paths (the last layer that lists one) put back.
 * Regular files are counted by name (a hard link is one more file), their bytes once per inode.
 */
async function engineFilesystem(
  dir: string,
  tag: string,
  layers: Member[][],
): Promise<{ files: number; bytes: number; members: Member[] }> {
  const id = (await exec('docker', ['create', tag])).trim();
  const file = join(dir, `export-${randomBytes(4).toString('hex')}.tar`);
  try {
    await exec('docker', ['export', '-o', file, id]);
  } finally {
    await exec('docker', ['rm', '-f', id]);
  }
  const exported = await members(file);
  const init = new Set(INIT_LAYER_FILES);
  for (const m of exported.filter((e) => init.has(e.path))) expect(m.size, m.path).toBe(0);
  const kept = exported.filter((e) => !init.has(e.path));
  for (const path of INIT_LAYER_FILES) {
    // No layer of these images deletes one of the paths again (a whiteout would make the last entry wrong).
    const gone = layers.some((l) =>
      l.some((e) => e.path === `${posix.dirname(path)}/.wh.${posix.basename(path)}`),
    );
    expect(gone, path).toBe(false);
    const own = layers.flatMap((l) => l.filter((e) => e.path === path)).at(-1);
    if (own) kept.push(own);
  }
  const files = kept.filter((m) => isRegular(m) || m.type === 'link');
  return { files: files.length, bytes: regularBytes(kept), members: exported };
}

async function analyzed(spec: string): Promise<ImageAnalysis> {
  const r = await cli(['analyze', spec, '--json']);
  expect(r.status, r.err).toBe(0);
  return JSON.parse(r.out) as ImageAnalysis;
}

describe('analyze on images the Docker Engine built, against what the Engine itself shows', () => {
  let dir: string;
  let base: { archive: string; layers: Member[][] };
  let hardlink: { archive: string; layers: Member[][] };
  let opaque: { archive: string; layers: Member[][] };
  beforeAll(async () => {
    dir = await tempDir();
    await writeTarball(join(dir, 'alpine-fixture.tar'), await alpineBase(), { tags: [BASE] });
    await exec('docker', ['load', '-i', join(dir, 'alpine-fixture.tar')]);
    const ctx = join(dir, 'ctx');
    await mkdir(ctx);
    // One layer makes two files of two names each; the next deletes one name of the first.
    await writeFile(
      join(ctx, 'Dockerfile.hardlink'),
      [
        `FROM ${BASE}`,
        'RUN mkdir /data && head -c 300000 /dev/urandom > /data/a && ln /data/a /data/b' +
          ' && head -c 70000 /dev/urandom > /data/c && ln /data/c /data/d',
        'RUN rm /data/b',
        '',
      ].join('\n'),
    );
    // One layer fills /dir (a hard link and a subdirectory too); the next replaces it wholesale in one RUN, which
    // overlay2 records as an opaque directory.
    await writeFile(
      join(ctx, 'Dockerfile.opaque'),
      [
        `FROM ${BASE}`,
        'RUN mkdir -p /dir/sub && head -c 100000 /dev/urandom > /dir/a && ln /dir/a /dir/sub/a2' +
          ' && head -c 50000 /dev/urandom > /dir/sub/b && ln -s a /dir/l',
        'RUN rm -rf /dir && mkdir -p /dir/sub && echo x > /dir/new && echo yz > /dir/sub/new',
        '',
      ].join('\n'),
    );
    await legacyBuild(ctx, HARDLINK, 'Dockerfile.hardlink');
    await legacyBuild(ctx, OPAQUE, 'Dockerfile.opaque');
    base = await saved(dir, BASE);
    hardlink = await saved(dir, HARDLINK);
    opaque = await saved(dir, OPAQUE);
  }, 180_000);
  afterAll(async () => {
    await removeImages([APP, HARDLINK, OPAQUE, BASE]);
  });

  it('deleting one name of a hard-linked file wastes nothing and keeps its bytes in the filesystem', async () => {
    // The layers are what the issue describes: two names of one inode, then a whiteout of one of them.
    const [made, deleted] = hardlink.layers.slice(-2) as [Member[], Member[]];
    expect(made.find((m) => m.path === '/data/a')).toMatchObject({ type: 'file', size: 300_000 });
    expect(made.find((m) => m.path === '/data/b')).toMatchObject({ type: 'link', linkname: 'data/a' });
    expect(made.find((m) => m.path === '/data/d')).toMatchObject({ type: 'link', linkname: 'data/c' });
    expect(deleted.map((m) => m.path)).toContain('/data/.wh.b');

    const truth = await engineFilesystem(dir, HARDLINK, hardlink.layers);
    // The container still has /data/a, and /data/c with its second name /data/d.
    expect(truth.members.filter((m) => m.path.startsWith('/data/'))).toMatchObject([
      { path: '/data/a', type: 'file', size: 300_000 },
      { path: '/data/c', type: 'file', size: 70_000 },
      { path: '/data/d', type: 'link' },
    ]);
    const shipped = hardlink.layers.reduce((s, l) => s + regularBytes(l), 0);
    // Every byte shipped is still in the filesystem.
    expect(shipped - truth.bytes).toBe(0);
    const size = await imageSize(HARDLINK);
    for (const spec of [`daemon:${HARDLINK}`, `docker-archive:${hardlink.archive}`]) {
      const a = await analyzed(spec);
      expect(a.files.count, spec).toBe(truth.files);
      expect(a.size.filesystem, spec).toBe(truth.bytes);
      expect(a.efficiency.wastedBytes, spec).toBe(0);
      expect(a.efficiency.wasted, spec).toEqual([]);
      expect(a.efficiency.score, spec).toBe(1);
      expect(a.size.content, spec).toBe(size);
    }
  });

  it('an opaque directory wastes exactly the lower layer files it hides, once each', async () => {
    const [lower, upper] = opaque.layers.slice(-2) as [Member[], Member[]];
    // overlay2 wrote a real opaque whiteout, not one whiteout per name.
    expect(upper.map((m) => m.path)).toContain('/dir/.wh..wh..opq');
    expect(upper.filter((m) => m.path.startsWith('/dir/.wh.'))).toHaveLength(1);
    const hidden = regularBytes(lower.filter((m) => m.path.startsWith('/dir/')));
    expect(hidden).toBe(150_000);

    const truth = await engineFilesystem(dir, OPAQUE, opaque.layers);
    expect(
      truth.members.filter((m) => m.path.startsWith('/dir/') && m.type !== 'directory').map((m) => m.path),
    ).toEqual(['/dir/new', '/dir/sub/new']);
    const shipped = opaque.layers.reduce((s, l) => s + regularBytes(l), 0);
    expect(shipped - truth.bytes).toBe(hidden);
    const size = await imageSize(OPAQUE);
    for (const spec of [`daemon:${OPAQUE}`, `docker-archive:${opaque.archive}`]) {
      const a = await analyzed(spec);
      expect(a.files.count, spec).toBe(truth.files);
      expect(a.size.filesystem, spec).toBe(truth.bytes);
      expect(a.efficiency.wastedBytes, spec).toBe(hidden);
      expect(a.efficiency.wasted, spec).toEqual([
        { path: '/dir/a', count: 1, wastedBytes: 100_000 },
        { path: '/dir/sub/b', count: 1, wastedBytes: 50_000 },
      ]);
      expect(a.size.content, spec).toBe(size);
    }
  });

  it('the alpine fixture: analyze sizes it as docker image inspect does, symlinks included', async () => {
    const size = await imageSize(BASE);
    const [layer] = base.layers as [Member[]];
    const symlinks = layer.filter((m) => m.type === 'symlink');
    // Busybox's applets are symlinks: the Engine counts each one's target length, regular files alone fall short.
    expect(symlinks.length).toBeGreaterThan(300);
    const linkBytes = symlinks.reduce((s, m) => s + Buffer.byteLength(m.linkname), 0);
    expect(regularBytes(layer) + linkBytes).toBe(size);
    const truth = await engineFilesystem(dir, BASE, base.layers);
    for (const spec of [`daemon:${BASE}`, `docker-archive:${base.archive}`]) {
      const a = await analyzed(spec);
      expect(a.size.content, spec).toBe(size);
      expect(
        a.layers.map((l) => l.contentSize),
        spec,
      ).toEqual([size]);
      expect(a.files.count, spec).toBe(truth.files);
      expect(a.size.filesystem, spec).toBe(truth.bytes);
      expect(a.files.symlinks, spec).toBe(symlinks.length);
    }
  });

  it('compare on the alpine fixture reports the size docker image inspect shows for the same build', async () => {
    const app = join(dir, 'hello');
    await cp(HELLO, app, { recursive: true });
    const r = await cli(['compare', app, '--no-defaults', '--base', `alpine=daemon:${BASE}`, '--json']);
    expect(r.status, r.err).toBe(0);
    const result = JSON.parse(r.out) as { rows: { base: string; size: number }[]; skipped: unknown[] };
    expect(result.skipped).toEqual([]);
    expect(result.rows.map((row) => row.base)).toEqual(['alpine']);
    // The same app on the same base, built into the Engine: what `docker image ls` shows for it.
    const built = await cli(['build', app, '--base', `daemon:${BASE}`, '-o', `daemon:${APP}`]);
    expect(built.status, built.err).toBe(0);
    const size = await imageSize(APP);
    expect(size).toBeGreaterThan(await imageSize(BASE));
    expect(result.rows[0]?.size).toBe(size);
    expect((await analyzed(`daemon:${APP}`)).size.content).toBe(size);
  }, 300_000);
});
