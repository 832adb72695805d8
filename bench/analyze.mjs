// Benchmark: minnow analyze and sbom side by side with the single-purpose peers, in one run, on one real image:
// alpine 3.19 (test/fixtures) plus this machine's Go toolchain (/usr/local/go or `go env GOROOT`: ~270 MB, 15k
// files, real Go binaries with build info) plus a layer that deletes part of it (wasted bytes). Generation is not
// timed. Then, each under /usr/bin/time (wall time and peak RSS of the whole process, best of --runs):
//   1. analyze a `docker save` tarball: minnow (docker-archive:) vs dive --ci   target: <= 2x dive, <= 256 MiB
//      (and once more with --estimate-push-size, which minnow does only when asked: no target)
//   2. analyze an OCI layout: minnow (oci:) vs dive on the same image's tarball (dive reads no OCI layout)
//   3. SBOM of the tarball: minnow sbom vs syft (SPDX JSON both)                target: <= syft's time
//   4. from the Engine: minnow analyze daemon: vs docker save + minnow analyze docker-archive:   target: <= 1.5x
// The peers are the pinned ones of scripts/install-go-tools.sh, go-installed when missing; their versions are
// printed. Times on a shared machine depend on its load: the load average is printed with them.
//
//   npm run build && node bench/analyze.mjs [--runs 2] [--keep]
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import { goTool } from './lib/go-tool.mjs';

const run = promisify(execFile);
const api = await import(new URL('../dist/index.js', import.meta.url).href);
const minnow = fileURLToPath(new URL('../bin/minnow.cjs', import.meta.url));
const alpineRootfs = fileURLToPath(
  new URL('../test/fixtures/alpine-3.19.4/alpine-minirootfs-3.19.4-x86_64.tar.gz', import.meta.url),
);
const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 2;
const keep = process.argv.includes('--keep');
const mb = (n) => `${(n / 1e6).toFixed(0)} MB`;
const load = () => loadavg()[0].toFixed(1);

/** Runs `cmd args` under GNU time RUNS times; the fastest run's wall seconds and peak RSS (MiB). */
async function measure(label, cmd, args, { env = process.env, runs = RUNS } = {}) {
  let best;
  for (let i = 0; i < runs; i++) {
    const timing = join(work, 'time.txt');
    await new Promise((resolve, reject) => {
      const p = spawn('/usr/bin/time', ['-f', '%e %M', '-o', timing, cmd, ...args], {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      p.stderr.on('data', (d) => (err += d));
      p.on('error', reject);
      p.on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`${label}: exit ${code}: ${err.slice(-400)}`)),
      );
    });
    const [secs, kib] = (await readFile(timing, 'utf8')).trim().split('\n').at(-1).split(' ').map(Number);
    if (!best || secs < best.secs) best = { secs, rss: kib / 1024 };
  }
  return best;
}

/** `docker save NAME -o FILE` then `minnow analyze docker-archive:FILE`, timed as one; the fastest of RUNS. */
async function saveThenAnalyze(name, file) {
  let best;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await run('docker', ['save', '-o', file, name]);
    const save = (performance.now() - t0) / 1000;
    const once = await measure(
      'minnow',
      process.execPath,
      [minnow, 'analyze', `docker-archive:${file}`, '--json'],
      { runs: 1 },
    );
    if (!best || save + once.secs < best.secs) best = { secs: save + once.secs, rss: once.rss, save };
  }
  return best;
}

/** The digest and diff_id of a gzip layer file, for `fileLayer`. */
async function gzipLayerInfo(path) {
  const blob = createHash('sha256');
  const tar = createHash('sha256');
  const gunzip = createGunzip();
  gunzip.on('data', (d) => tar.update(d));
  await pipeline(
    createReadStream(path),
    new Transform({ transform: (c, _e, cb) => (blob.update(c), cb(null, c)) }),
    gunzip,
  );
  return {
    digest: `sha256:${blob.digest('hex')}`,
    diffId: `sha256:${tar.digest('hex')}`,
    size: (await stat(path)).size,
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
  };
}

/** Every entry under `root`, placed under `prefix` in the image. */
async function treeEntries(root, prefix) {
  const out = [];
  const walk = async (dir) => {
    for (const name of (await readdir(dir)).sort()) {
      const host = join(dir, name);
      const path = `${prefix}/${relative(root, host)}`;
      const st = await lstat(host);
      if (st.isDirectory()) {
        out.push({ type: 'directory', path, mode: st.mode & 0o7777 });
        await walk(host);
      } else if (st.isSymbolicLink()) out.push({ type: 'symlink', path, target: await readlink(host) });
      else if (st.isFile()) out.push({ type: 'file', path, source: host, mode: st.mode & 0o7777 });
    }
  };
  await walk(root);
  return out;
}

async function version(path) {
  const { stdout } = await run('go', ['version', '-m', path]);
  return /\tmod\t\S+\t(\S+)/.exec(stdout)?.[1] ?? 'unknown';
}

const row = (what, m, peer, p, note = '') =>
  console.log(
    `${what.padEnd(34)} minnow ${m.secs.toFixed(2).padStart(6)} s ${m.rss.toFixed(0).padStart(5)} MiB   ` +
      `${peer.padEnd(22)} ${p.secs.toFixed(2).padStart(6)} s ${p.rss.toFixed(0).padStart(5)} MiB   ` +
      `${(m.secs / p.secs).toFixed(2)}x${note}`,
  );

const work = await mkdtemp(join(tmpdir(), 'minnow-bench-analyze-'));
const name = `minnow-bench-analyze:${randomBytes(4).toString('hex')}`;
let loaded = false;
try {
  const [dive, syft] = [await goTool('dive'), await goTool('syft')];
  const goroot = (await run('go', ['env', 'GOROOT'])).stdout.trim();
  const docker = (await run('docker', ['version', '--format', '{{.Server.Version}}'])).stdout.trim();
  console.log(
    `peers: dive ${await version(dive)}, syft ${await version(syft)}, Docker Engine ${docker}; ` +
      `minnow ${pkg.version}; node ${process.version}; ${RUNS} run(s) each, best shown`,
  );

  console.log(`generating the image: alpine 3.19 + ${goroot} + a layer deleting part of it (not timed)...`);
  const blobDir = join(work, 'blobs');
  const alpine = api.fileLayer(alpineRootfs, await gzipLayerInfo(alpineRootfs));
  const go = (await api.writeLayer(await treeEntries(goroot, '/usr/local/go'), { blobDir, mtime: 0 })).layer;
  // A whiteout: the test tree is shipped in the layer below and deleted here, so its bytes are wasted.
  const waste = (
    await api.writeLayer(
      [{ type: 'file', path: '/usr/local/go/.wh.test', source: Buffer.alloc(0), mode: 0o644 }],
      {
        blobDir,
        mtime: 0,
      },
    )
  ).layer;
  const image = await api.mutate(api.emptyImage({ os: 'linux', architecture: 'amd64' }), {
    layers: [alpine, go, waste].map((layer, i) => ({ layer, history: { created_by: `bench layer ${i}` } })),
  });
  const layout = join(work, 'layout');
  await api.writeLayout(layout, { kind: 'image', image }, { tag: 'latest' });
  const ours = join(work, 'minnow.tar');
  await api.writeTarball(ours, image, { tags: [name] });
  await run('docker', ['load', '-i', ours]);
  loaded = true;
  await rm(ours);
  const tarball = join(work, 'docker-save.tar');
  await run('docker', ['save', '-o', tarball, name]);
  console.log(
    `image: ${mb((await stat(tarball)).size)} docker save tarball, layout ${layout}; load ${load()}`,
  );

  const diveEnv = { ...process.env, CI: 'true' };
  const diveTar = await measure('dive', dive, ['--ci', '--source', 'docker-archive', tarball], {
    env: diveEnv,
  });
  const mTar = await measure('minnow', process.execPath, [
    minnow,
    'analyze',
    `docker-archive:${tarball}`,
    '--json',
  ]);
  row('analyze docker save tarball', mTar, 'dive docker-archive', diveTar, '  (target <= 2x, <= 256 MiB)');
  // Not minnow's default: gzips samples of each uncompressed layer to estimate a push's size (dive shows none).
  const mEst = await measure('minnow', process.execPath, [
    minnow,
    'analyze',
    `docker-archive:${tarball}`,
    '--json',
    '--estimate-push-size',
  ]);
  row('  same, --estimate-push-size', mEst, 'dive docker-archive', diveTar, '  (no target: asked-for extra)');
  const mOci = await measure('minnow', process.execPath, [
    minnow,
    'analyze',
    `oci:${layout}:latest`,
    '--json',
  ]);
  row('analyze OCI layout', mOci, 'dive (same, tarball)', diveTar, '  (dive reads no OCI layout)');

  const syftEnv = { ...process.env, SYFT_CHECK_FOR_APP_UPDATE: 'false' };
  const sSyft = await measure('syft', syft, ['-q', `docker-archive:${tarball}`, '-o', 'spdx-json'], {
    env: syftEnv,
  });
  const sMinnow = await measure('minnow', process.execPath, [minnow, 'sbom', `docker-archive:${tarball}`]);
  row('SBOM (SPDX) of the tarball', sMinnow, 'syft docker-archive', sSyft, '  (target <= 1x)');
  const oSyft = await measure('syft', syft, ['-q', `oci-dir:${layout}`, '-o', 'spdx-json'], { env: syftEnv });
  const oMinnow = await measure('minnow', process.execPath, [minnow, 'sbom', `oci:${layout}:latest`]);
  row('SBOM (SPDX) of the OCI layout', oMinnow, 'syft oci-dir', oSyft, '  (target <= 1x)');

  const daemon = await measure('minnow', process.execPath, [minnow, 'analyze', `daemon:${name}`, '--json']);
  const saved = await saveThenAnalyze(name, join(work, 'saved.tar'));
  row(
    'analyze from the Engine',
    daemon,
    'docker save + archive',
    saved,
    `  (target <= 1.5x; docker save alone ${saved.save.toFixed(2)} s)`,
  );
  console.log(`load average at the end: ${load()}`);
} finally {
  if (loaded) await run('docker', ['rmi', '-f', name]).catch(() => undefined);
  if (!keep) await rm(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
