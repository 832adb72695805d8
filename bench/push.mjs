// Push benchmark: `minnow push` (a CLI process, and the library call) vs `crane push` (pinned, installed with
// `go install` when missing) and `skopeo copy` of the same image from an OCI layout, side by side, against
// Debian's docker-registry on 127.0.0.1: a first push to a fresh repository, and a second push of the unchanged
// image to the same tag. Then counts the blob uploads of a second push.
// Run: npm run build && node bench/push.mjs
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from '../dist/build/build.js';
import { pushImage, writeLayout } from '../dist/index.js';
import { startCounter } from './lib/counting-proxy.mjs';
import { goTool } from './lib/go-tool.mjs';
import { startRegistry } from './lib/registry.mjs';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;
const RUNS = Number(process.env.RUNS ?? 7);
const TARGET = 1.2;
const SECOND_MS = 150;
let failed = false;

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

  const crane = await goTool('crane');
  const tools = {
    'skopeo copy': (ref) =>
      run('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${ref}`]),
    'crane push': (ref) => run(crane, ['push', layout, ref]),
    'minnow push (CLI process)': (ref) =>
      run(process.execPath, [join(ROOT, 'bin/minnow.cjs'), 'push', '-q', `oci:${layout}:v1`, ref]),
    'minnow pushImage (library)': (ref) => pushImage(ref, { kind: 'image', image }),
  };
  const names = Object.keys(tools);
  const first = Object.fromEntries(names.map((n) => [n, []]));
  const second = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const [k, n] of names.entries()) {
      const ref = `${reg.host}/bench/t${k}-${i}:v1`;
      let t0 = process.hrtime.bigint();
      await tools[n](ref);
      first[n].push(ms(t0));
      t0 = process.hrtime.bigint();
      await tools[n](ref);
      second[n].push(ms(t0));
    }
  }
  console.log(
    `push of examples/hello built by minnow (${(size / 1024 / 1024).toFixed(2)} MB compressed, ${blobs} blobs), median of ${RUNS} runs, fresh repository each run:`,
  );
  const sko = median(first['skopeo copy']);
  console.log(`  ${''.padEnd(28)}${'first push'.padStart(12)}${'second push'.padStart(13)}`);
  for (const n of names) {
    const [f, s2] = [median(first[n]), median(second[n])];
    let verdict = '';
    if (n.startsWith('minnow push')) {
      const ok1 = f / sko <= TARGET;
      const ok2 = s2 <= SECOND_MS;
      failed ||= !ok1 || !ok2;
      verdict = `  first ${(f / sko).toFixed(2)}× skopeo (≤ ${TARGET}×) ${ok1 ? 'PASS' : 'FAIL'}; second ≤ ${SECOND_MS} ms ${ok2 ? 'PASS' : 'FAIL'}`;
    }
    console.log(
      `  ${n.padEnd(28)}${`${f.toFixed(0)} ms`.padStart(12)}${`${s2.toFixed(0)} ms`.padStart(13)}${verdict}`,
    );
  }

  const counter = await startCounter(reg.port);
  const firstPush = await pushImage(`${counter.host}/bench/again:v1`, { kind: 'image', image });
  const uploadsFirst = counter.counts.uploads;
  counter.counts.uploads = 0;
  const secondPush = await pushImage(`${counter.host}/bench/again:v1`, { kind: 'image', image });
  const uploadsSecond = counter.counts.uploads;
  counter.stop();

  console.log(`second push of an unchanged image:`);
  console.log(
    `  first push: ${uploadsFirst} blob uploads (result: uploaded ${firstPush.uploaded}, existing ${firstPush.existing})`,
  );
  console.log(
    `  second push: ${uploadsSecond} blob uploads (result: uploaded ${secondPush.uploaded}, existing ${secondPush.existing})   target 0   ${uploadsSecond === 0 ? 'PASS' : 'FAIL'}`,
  );
} finally {
  reg.stop();
  await rm(dir, { recursive: true, force: true });
}
if (failed) process.exitCode = 1;
