// Push benchmark: minnow's registry push vs `skopeo copy` of the same image from an OCI layout, side by side,
// against Debian's docker-registry on 127.0.0.1; and a second push of an unchanged image, counting blob uploads.
// Run: npm run build && node bench/push.mjs
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fetch } from 'undici';
import { build } from '../dist/build/build.js';
import { pushImage, writeLayout } from '../dist/index.js';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;
const RUNS = Number(process.env.RUNS ?? 7);
const TARGET = 1.2;

async function freePort() {
  return new Promise((resolve) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startRegistry(dir) {
  const port = await freePort();
  const config = join(dir, 'config.yml');
  await writeFile(
    config,
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'storage')}\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const proc = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/v2/`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { host: `127.0.0.1:${port}`, port, stop: () => proc.kill('SIGKILL') };
}

/** A counting proxy: how many blob uploads (POST …/blobs/uploads/) pass through. */
async function startCounter(port) {
  const counts = { uploads: 0, requests: 0 };
  const server = createServer((req, res) => {
    counts.requests++;
    if (req.method === 'POST' && req.url.includes('/blobs/uploads/')) counts.uploads++;
    const up = request(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      },
    );
    req.pipe(up);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { host: `127.0.0.1:${server.address().port}`, counts, stop: () => server.close() };
}

/** examples/hello built with minnow's build API (default static base: base layer + app layer + config). */
async function helloImage(dir) {
  const result = await build({ dir: join(ROOT, 'examples/hello'), cacheDir: join(dir, 'cache') });
  return result.target.image;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

const dir = await mkdtemp(join(tmpdir(), 'minnow-bench-push-'));
const reg = await startRegistry(dir);
try {
  const image = await helloImage(dir);
  const layout = join(dir, 'layout');
  await writeLayout(layout, { kind: 'image', image }, { tag: 'v1' });
  const size = (await image.manifest()).layers.reduce((n, l) => n + l.size, 0);
  const blobs = (await image.manifest()).layers.length + 1;
  // Warm up both (connection setup, page cache, registry storage paths).
  await pushImage(`${reg.host}/warm/minnow:v1`, { kind: 'image', image });
  await run('skopeo', [
    'copy',
    '-q',
    '--dest-tls-verify=false',
    `oci:${layout}:v1`,
    `docker://${reg.host}/warm/skopeo:v1`,
  ]);

  const lib = [];
  const cli = [];
  const sko = [];
  for (let i = 0; i < RUNS; i++) {
    let t0 = process.hrtime.bigint();
    await pushImage(`${reg.host}/bench/lib-${i}:v1`, { kind: 'image', image });
    lib.push(ms(t0));
    t0 = process.hrtime.bigint();
    await run('node', [
      join(ROOT, 'bin/minnow.js'),
      'push',
      '-q',
      `oci:${layout}:v1`,
      `${reg.host}/bench/cli-${i}:v1`,
    ]);
    cli.push(ms(t0));
    t0 = process.hrtime.bigint();
    await run('skopeo', [
      'copy',
      '-q',
      '--dest-tls-verify=false',
      `oci:${layout}:v1`,
      `docker://${reg.host}/bench/skopeo-${i}:v1`,
    ]);
    sko.push(ms(t0));
  }

  const counter = await startCounter(reg.port);
  const first = await pushImage(`${counter.host}/bench/again:v1`, { kind: 'image', image });
  const uploadsFirst = counter.counts.uploads;
  counter.counts.uploads = 0;
  const second = await pushImage(`${counter.host}/bench/again:v1`, { kind: 'image', image });
  const uploadsSecond = counter.counts.uploads;
  counter.stop();

  const m = { lib: median(lib), cli: median(cli), sko: median(sko) };
  console.log(
    `push of examples/hello built by minnow (${(size / 1024 / 1024).toFixed(2)} MB compressed, ${blobs} blobs), median of ${RUNS} runs, fresh repository each run:`,
  );
  console.log(`  skopeo copy oci:→docker://      ${m.sko.toFixed(0)} ms`);
  // The CLI figure includes Node's start-up and module loading (~0.3–0.6 s here), which skopeo, a Go binary, does not pay.
  console.log(
    `  minnow push (CLI process)        ${m.cli.toFixed(0)} ms   ratio ${(m.cli / m.sko).toFixed(2)}x   target ≤ ${TARGET}x   ${m.cli / m.sko <= TARGET ? 'PASS' : 'FAIL'}`,
  );
  console.log(
    `  minnow pushImage (library call)  ${m.lib.toFixed(0)} ms   ratio ${(m.lib / m.sko).toFixed(2)}x   target ≤ ${TARGET}x   ${m.lib / m.sko <= TARGET ? 'PASS' : 'FAIL'}`,
  );
  console.log(`second push of an unchanged image:`);
  console.log(
    `  first push: ${uploadsFirst} blob uploads (result: uploaded ${first.uploaded}, existing ${first.existing})`,
  );
  console.log(
    `  second push: ${uploadsSecond} blob uploads (result: uploaded ${second.uploaded}, existing ${second.existing})   target 0   ${uploadsSecond === 0 ? 'PASS' : 'FAIL'}`,
  );
} finally {
  reg.stop();
  await rm(dir, { recursive: true, force: true });
}
