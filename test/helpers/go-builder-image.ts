import { execFile } from 'node:child_process';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  fileLayer,
  MediaType,
  mutate,
  gzipCompression,
  writeLayer,
  type FileLayerInfo,
  type Image,
  type LayerEntry,
} from '../../src/oci/index.js';
import { isMinnowError } from '../../src/errors.js';
import { writeTarball } from '../../src/publish/tarball.js';
import { writeFileAtomic } from '../../src/util/atomic.js';
import { exec } from './exec.js';
import { alpineBase, distrolessBase } from './fixture-images.js';

/**
 * The Engine-side fixtures of the Dockerfile tests, made offline: no registry is reachable, so `golang:<ver>` is
 * built from this machine's Go installation (alpine:3.19 plus GOROOT as a layer), and alpine:3.19 and
 * gcr.io/distroless/static-debian12 come from test/fixtures. Tarballs are cached per Go version under
 * `<tmpdir>/minnow-fixture-images`, and an image the Engine already holds with the same id is not loaded again.
 */

const run = promisify(execFile);
const RECIPE = 1;
const CACHE = process.env.MINNOW_FIXTURE_CACHE ?? join(tmpdir(), 'minnow-fixture-images');
/** Top-level GOROOT entries `go build` never reads; left out to keep the layer smaller. */
const SKIP = new Set(['test', 'api', 'doc', 'misc']);

/** The host's Go: version (`go1.26.8`) and GOROOT. */
export async function hostGo(): Promise<{ version: string; goroot: string }> {
  const { stdout } = await run('go', ['env', 'GOVERSION', 'GOROOT']);
  const [version, goroot] = stdout.trim().split('\n');
  return { version: version!, goroot: goroot! };
}

async function gorootEntries(goroot: string): Promise<LayerEntry[]> {
  const entries: LayerEntry[] = [];
  const walk = async (host: string, image: string, top: boolean): Promise<void> => {
    for (const name of (await readdir(host)).sort()) {
      if (top && SKIP.has(name)) continue;
      const h = join(host, name);
      const p = `${image}/${name}`;
      const st = await lstat(h);
      if (st.isSymbolicLink()) entries.push({ type: 'symlink', path: p, target: await readlink(h) });
      else if (st.isDirectory()) {
        entries.push({ type: 'directory', path: p, mode: 0o755 });
        await walk(h, p, false);
      } else if (st.isFile()) {
        // Keep the exec bits: go, gofmt and pkg/tool/*/compile must stay runnable.
        entries.push({ type: 'file', path: p, source: h, mode: st.mode & 0o111 ? 0o755 : 0o644 });
      }
    }
  };
  entries.push({ type: 'directory', path: '/usr/local/go', mode: 0o755 });
  await walk(goroot, '/usr/local/go', true);
  entries.push({ type: 'directory', path: '/go', mode: 0o777 });
  entries.push({ type: 'directory', path: '/usr/local', mode: 0o755 });
  return entries;
}

/** golang:<ver>(-alpine) made from the host's Go: alpine:3.19 plus GOROOT at /usr/local/go, GOPATH /go. */
export async function goBuilderImage(): Promise<Image> {
  const { goroot, version } = await hostGo();
  const infoFile = join(CACHE, `go-builder-${version}-r${RECIPE}.json`);
  let info: (FileLayerInfo & { path: string }) | undefined;
  try {
    info = JSON.parse(await readFile(infoFile, 'utf8')) as FileLayerInfo & { path: string };
    if ((await lstat(info.path)).size !== info.size) info = undefined;
  } catch {
    info = undefined;
  }
  if (!info) {
    const w = await writeLayer(await gorootEntries(goroot), {
      blobDir: join(CACHE, 'go-builder-blobs'),
      mtime: 0,
      compression: gzipCompression(1),
    });
    info = {
      path: w.path,
      digest: w.digest,
      diffId: w.diffId,
      size: w.size,
      mediaType: MediaType.OciLayerGzip,
    };
    await writeFileAtomic(infoFile, JSON.stringify(info));
  }
  return mutate(await alpineBase(), {
    layers: [
      { layer: fileLayer(info.path, info), history: { created_by: `minnow test: GOROOT of ${version}` } },
    ],
    config: (c) => ({
      ...c,
      config: {
        Env: [
          'PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          'GOLANG_VERSION=' + version.replace(/^go/, ''),
          'GOPATH=/go',
          'GOROOT=/usr/local/go',
          // The host's toolchain stands in for whatever golang:<ver> a Dockerfile names; never fetch another.
          'GOTOOLCHAIN=local',
          'GOPROXY=off',
        ],
        WorkingDir: '/go',
        Cmd: ['/bin/sh'],
      },
    }),
  });
}

async function engineId(tag: string): Promise<string | undefined> {
  try {
    return (await exec('docker', ['image', 'inspect', '--format', '{{.Id}}', tag])).trim();
  } catch {
    return undefined;
  }
}

/** Loads `image` into the Engine under `tags` unless every tag already names it; the tarball is cached by `key`. */
async function ensureLoaded(key: string, image: Image, tags: string[]): Promise<void> {
  const id = (await image.manifest()).config.digest;
  const ids = await Promise.all(tags.map(engineId));
  if (ids.every((x) => x === id)) return;
  const file = join(CACHE, `${key}-${id.slice(7, 23)}.tar`);
  const cached = await lstat(file).catch(() => undefined);
  if (!cached) {
    // Another test worker may write the same tarball at the same time; either copy is the same bytes.
    await writeTarball(file, image, { tags }).catch((err: unknown) => {
      if (!isMinnowError(err, 'OUTPUT_EXISTS')) throw err;
    });
  }
  await exec('docker', ['load', '-i', file]);
  // A tarball names its tags; cached ones may have been written for fewer, so tag explicitly.
  for (const t of tags) await exec('docker', ['tag', id, t]);
}

let loading: Promise<void> | undefined;
let loadingAlpine: Promise<string> | undefined;

/** The alpine:3.19 fixture in the Engine (a toolbox image for minnow debug); resolves with its tag. */
export function loadAlpineFixture(): Promise<string> {
  loadingAlpine ??= (async () => {
    await ensureLoaded('alpine', await alpineBase(), ['alpine:3.19']);
    return 'alpine:3.19';
  })();
  return loadingAlpine;
}

/**
 * Makes sure the Engine holds the images the generated and the article's Dockerfiles name: `golang:<v>` and
 * `golang:<v>-alpine` for each Go version in `goVersions`, alpine:3.19, and distroless static-debian12 (latest and
 * nonroot). Safe to call from several tests; the work happens once per process.
 */
export function loadDockerfileBases(goVersions: string[]): Promise<void> {
  loading ??= (async () => {
    const { version } = await hostGo();
    const builderTags = goVersions.flatMap((v) => [`golang:${v}`, `golang:${v}-alpine`]);
    await ensureLoaded(`go-builder-${version}-r${RECIPE}`, await goBuilderImage(), builderTags);
    await ensureLoaded('alpine', await alpineBase(), ['alpine:3.19']);
    await ensureLoaded('distroless-latest', await distrolessBase('latest'), [
      'gcr.io/distroless/static-debian12:latest',
    ]);
    await ensureLoaded('distroless-nonroot', await distrolessBase('nonroot'), [
      'gcr.io/distroless/static-debian12:nonroot',
    ]);
  })();
  return loading;
}
