import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import {
  DigestingStream,
  emptyImage,
  fileLayer,
  MediaType,
  mutate,
  writeLayer,
  type Digest,
  type FileLayerInfo,
  type Image,
  type LayerEntry,
  type Layer,
} from '../../src/oci/index.js';
import { writeFileAtomic } from '../../src/util/atomic.js';

/**
 * Real base images, built offline from the raw ingredients in test/fixtures (see its README): the official
 * alpine:3.19 image and a gcr.io/distroless/static-debian12 equivalent. Their layers and digests are cached under
 * `MINNOW_FIXTURE_CACHE` (default `<tmpdir>/minnow-fixture-images`), keyed by the fixtures' SHA256SUMS, so only
 * the first call of a machine does the work.
 */

const run = promisify(execFile);
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const DEBS = join(FIXTURES, 'debian-bookworm-debs');
/** Bump when the way an image is assembled changes, so stale cache entries are ignored. */
const RECIPE_VERSION = 1;

/** `PATH` of both official images. */
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** The image config date of alpine:3.19.4 (the day the 3.19.4 image was published). */
const ALPINE_CREATED = '2024-09-06T12:05:36Z';
const DISTROLESS_CREATED = '1970-01-01T00:00:00Z';

/** The Debian packages distroless static-debian12 is made of. */
export const DISTROLESS_PACKAGES = ['base-files', 'ca-certificates', 'media-types', 'netbase', 'tzdata'];

function cacheDir(): string {
  return process.env.MINNOW_FIXTURE_CACHE ?? join(tmpdir(), 'minnow-fixture-images');
}

let cacheKeyPromise: Promise<string> | undefined;
async function cacheKey(): Promise<string> {
  cacheKeyPromise ??= (async () => {
    const sums = await readFile(join(FIXTURES, 'SHA256SUMS'));
    const { createHash } = await import('node:crypto');
    return createHash('sha256').update(sums).update(`recipe ${RECIPE_VERSION}`).digest('hex').slice(0, 16);
  })();
  return cacheKeyPromise;
}

interface CachedLayer extends FileLayerInfo {
  path: string;
}

async function readCached(name: string): Promise<CachedLayer | undefined> {
  const file = join(cacheDir(), `${name}-${await cacheKey()}.json`);
  try {
    const info = JSON.parse(await readFile(file, 'utf8')) as CachedLayer;
    const st = await lstat(info.path);
    return st.isFile() && st.size === info.size ? info : undefined;
  } catch {
    return undefined;
  }
}

async function writeCached(name: string, info: CachedLayer): Promise<void> {
  await writeFileAtomic(join(cacheDir(), `${name}-${await cacheKey()}.json`), JSON.stringify(info));
}

/** Digest of the blob and of its gunzipped content, in one read of the file. */
async function gzipDigests(path: string): Promise<{ digest: Digest; diffId: Digest; size: number }> {
  const blob = new DigestingStream();
  const tar = new DigestingStream();
  await pipeline(createReadStream(path), blob, createGunzip(), tar, async (source) => {
    for await (const _ of source) void _;
  });
  return { digest: blob.digest, diffId: tar.digest, size: blob.size };
}

const memo = new Map<string, Promise<Image>>();
function once(key: string, make: () => Promise<Image>): Promise<Image> {
  let p = memo.get(key);
  if (!p) {
    p = make();
    p.catch(() => memo.delete(key));
    memo.set(key, p);
  }
  return p;
}

/** Path of the alpine minirootfs tarball for `arch` (amd64 or arm64). */
export function alpineRootfsPath(arch: 'amd64' | 'arm64' = 'amd64'): string {
  const file = arch === 'arm64' ? 'aarch64' : 'x86_64';
  return join(FIXTURES, 'alpine-3.19.4', `alpine-minirootfs-3.19.4-${file}.tar.gz`);
}

/**
 * alpine:3.19 (3.19.4) as the official image is built: `FROM scratch`, `ADD alpine-minirootfs-….tar.gz /`,
 * `CMD ["/bin/sh"]`. The minirootfs tar.gz is used verbatim as the one gzip layer.
 */
export function alpineBase(arch: 'amd64' | 'arm64' = 'amd64'): Promise<Image> {
  return once(`alpine-${arch}`, async () => {
    const path = alpineRootfsPath(arch);
    let info = await readCached(`alpine-${arch}`);
    if (!info || info.path !== path) {
      info = { path, mediaType: MediaType.OciLayerGzip, ...(await gzipDigests(path)) };
      await writeCached(`alpine-${arch}`, info);
    }
    const layer: Layer = fileLayer(path, info);
    const platform =
      arch === 'arm64'
        ? { os: 'linux', architecture: 'arm64', variant: 'v8' }
        : { os: 'linux', architecture: 'amd64' };
    const withLayer = await mutate(emptyImage(platform), {
      layers: [
        {
          layer,
          history: {
            created: ALPINE_CREATED,
            created_by: `/bin/sh -c #(nop) ADD file:${info.diffId.slice(7)} in / `,
          },
        },
      ],
    });
    return mutate(withLayer, {
      config: (c) => ({
        ...c,
        created: ALPINE_CREATED,
        config: { Env: [DEFAULT_PATH], Cmd: ['/bin/sh'] },
        history: [
          ...(c.history ?? []),
          { created: ALPINE_CREATED, created_by: '/bin/sh -c #(nop)  CMD ["/bin/sh"]', empty_layer: true },
        ],
      }),
    });
  });
}

const PASSWD = [
  'root:x:0:0:root:/root:/sbin/nologin',
  'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin',
  'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin',
  '',
].join('\n');
const GROUP = ['root:x:0:', 'nobody:x:65534:', 'tty:x:5:', 'staff:x:50:', 'nonroot:x:65532:', ''].join('\n');
const NSSWITCH = `# /etc/nsswitch.conf
#
# Example configuration of GNU Name Service Switch functionality.

passwd:         compat
group:          compat
shadow:         compat
gshadow:        files

hosts:          files dns
networks:       files

protocols:      db files
services:       db files
ethers:         db files
rpc:            db files

netgroup:       nis
`;
const OS_RELEASE = `PRETTY_NAME="Distroless"
NAME="Debian GNU/Linux"
ID="debian"
VERSION_ID="12"
VERSION="Debian GNU/Linux 12 (bookworm)"
HOME_URL="https://github.com/GoogleContainerTools/distroless"
SUPPORT_URL="https://github.com/GoogleContainerTools/distroless/blob/master/README.md"
BUG_REPORT_URL="https://github.com/GoogleContainerTools/distroless/issues/new"
`;

/** Every entry under `root` as a layer entry, with its mode and owner as extracted. */
async function treeEntries(root: string, skip: (path: string) => boolean): Promise<LayerEntry[]> {
  const out: LayerEntry[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const host = join(dir, name);
      const path = `/${relative(root, host)}`;
      if (skip(path)) continue;
      const st = await lstat(host);
      const owner = { uid: st.uid, gid: st.gid };
      if (st.isDirectory()) {
        out.push({ type: 'directory', path, mode: st.mode & 0o7777, ...owner });
        await walk(host);
      } else if (st.isSymbolicLink()) {
        out.push({ type: 'symlink', path, target: await readlink(host), ...owner });
      } else if (st.isFile()) {
        out.push({ type: 'file', path, source: host, mode: st.mode & 0o7777, ...owner });
      }
    }
  };
  await walk(root);
  return out;
}

/** The entries of the distroless-equivalent root filesystem, extracted from the .debs into `work`. */
async function distrolessEntries(work: string): Promise<LayerEntry[]> {
  const root = join(work, 'root');
  const debs = (await readdir(DEBS)).filter((f) => f.endsWith('.deb')).sort();
  const status: LayerEntry[] = [];
  let caBundle = '';
  for (const deb of debs) {
    const pkg = deb.slice(0, deb.indexOf('_'));
    const control = join(work, `control-${pkg}`);
    await run('dpkg-deb', ['-e', join(DEBS, deb), control]);
    status.push({
      type: 'file',
      path: `/var/lib/dpkg/status.d/${pkg}`,
      source: await readFile(join(control, 'control')),
      mode: 0o644,
    });
    const md5sums = await readFile(join(control, 'md5sums')).catch(() => undefined);
    if (md5sums) {
      status.push({
        type: 'file',
        path: `/var/lib/dpkg/status.d/${pkg}.md5sums`,
        source: md5sums,
        mode: 0o644,
      });
    }
    if (pkg === 'ca-certificates') {
      // distroless keeps only the generated bundle: the mozilla PEMs concatenated, as update-ca-certificates does.
      const tree = join(work, 'ca');
      await run('dpkg-deb', ['-x', join(DEBS, deb), tree]);
      const dir = join(tree, 'usr/share/ca-certificates/mozilla');
      for (const pem of (await readdir(dir)).filter((f) => f.endsWith('.crt')).sort()) {
        const text = await readFile(join(dir, pem), 'utf8');
        caBundle += text.endsWith('\n') ? text : `${text}\n`;
      }
      continue;
    }
    await run('dpkg-deb', ['-x', join(DEBS, deb), root]);
  }
  const replaced = new Set(['/etc/os-release', '/etc/passwd', '/etc/group', '/etc/nsswitch.conf']);
  const entries = await treeEntries(root, (p) => replaced.has(p) || p === '/home/nonroot');
  return [
    ...entries,
    ...status,
    { type: 'directory', path: '/var/lib/dpkg/status.d', mode: 0o755 },
    { type: 'directory', path: '/etc/ssl', mode: 0o755 },
    { type: 'directory', path: '/etc/ssl/certs', mode: 0o755 },
    { type: 'file', path: '/etc/ssl/certs/ca-certificates.crt', source: Buffer.from(caBundle), mode: 0o644 },
    { type: 'file', path: '/etc/passwd', source: Buffer.from(PASSWD), mode: 0o644 },
    { type: 'file', path: '/etc/group', source: Buffer.from(GROUP), mode: 0o644 },
    { type: 'file', path: '/etc/nsswitch.conf', source: Buffer.from(NSSWITCH), mode: 0o644 },
    { type: 'file', path: '/etc/os-release', source: Buffer.from(OS_RELEASE), mode: 0o644 },
    { type: 'directory', path: '/home/nonroot', mode: 0o700, uid: 65532, gid: 65532 },
  ];
}

async function distrolessLayer(): Promise<Layer> {
  let info = await readCached('distroless');
  if (!info) {
    const work = await mkdtemp(join(tmpdir(), 'minnow-distroless-'));
    try {
      const entries = await distrolessEntries(work);
      const blobDir = join(cacheDir(), 'blobs');
      await mkdir(blobDir, { recursive: true });
      const w = await writeLayer(entries, { blobDir, mtime: 0 });
      info = {
        path: w.path,
        digest: w.digest,
        diffId: w.diffId,
        size: w.size,
        mediaType: MediaType.OciLayerGzip,
      };
      await writeCached('distroless', info);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  return fileLayer(info.path, info);
}

/**
 * gcr.io/distroless/static-debian12 rebuilt from the Debian packages in test/fixtures: the packages' files (only
 * the generated CA bundle of ca-certificates), /var/lib/dpkg/status.d/<pkg> control files, and distroless's own
 * passwd, group, /home/nonroot, nsswitch.conf and os-release. Tag `latest` runs as user 0, `nonroot` as 65532 in
 * /home/nonroot. linux/amd64 (base-files is the amd64 build).
 */
export function distrolessBase(tag: 'latest' | 'nonroot' = 'latest'): Promise<Image> {
  return once(`distroless-${tag}`, async () => {
    const layer = await distrolessLayer();
    return mutate(emptyImage({ os: 'linux', architecture: 'amd64' }), {
      layers: [
        { layer, history: { created: DISTROLESS_CREATED, created_by: 'bazel build @distroless//static' } },
      ],
      config: (c) => ({
        ...c,
        created: DISTROLESS_CREATED,
        config: {
          Env: [DEFAULT_PATH, 'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt'],
          ...(tag === 'nonroot'
            ? { User: '65532', WorkingDir: '/home/nonroot' }
            : { User: '0', WorkingDir: '/' }),
        },
      }),
    });
  });
}
