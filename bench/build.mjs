// Benchmark of `minnow build` on examples/hello (issue 2's numbers). Run after `npm run build`:
//   node bench/build.mjs
// Prints each measured number next to its target. Not part of `npm test`.
import { execFileSync, spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { articleBaseline } from '../dist/build/article-baseline.js';
import { build } from '../dist/build/build.js';
import { loadCaBundle } from '../dist/base/ca-certs.js';
import { findGo } from '../dist/go/find-go.js';
import { goBuildArgs } from '../dist/go/build.js';
import { goEnvironment } from '../dist/go/platform-env.js';
import { hostPlatform } from '../dist/oci/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const hello = join(root, 'examples', 'hello');
const KiB = 1024;
const fmt = (n) => `${n.toLocaleString('en-US')} B (${(n / 1e6).toFixed(2)} MB)`;
const verdict = (ok) => (ok ? 'PASS' : 'FAIL');
let failed = false;
const check = (label, value, limit, unit = 'B') => {
  const ok = value <= limit;
  failed ||= !ok;
  const show = unit === 'B' ? (n) => fmt(n) : (n) => `${n.toFixed(3)} s`;
  console.log(`  ${label.padEnd(44)} ${show(value).padEnd(26)} target <= ${show(limit)}  ${verdict(ok)}`);
};

const work = await mkdtemp(join(tmpdir(), 'minnow-bench-'));
try {
  const go = await findGo();
  const goVersion = execFileSync(go, ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
  const ca = await loadCaBundle();
  console.log(`minnow build benchmark — ${goVersion}, CA bundle ${ca.source} (${fmt(ca.data.length)})\n`);

  // 1. Size: image (uncompressed layers) vs stripped binary + CA bundle.
  console.log('Size of the examples/hello image (uncompressed bytes of all layers)');
  for (const [base, budget] of [
    ['static', 16 * KiB],
    ['scratch', 8 * KiB],
  ]) {
    const result = await build({ dir: hello, base, cacheDir: join(work, 'cache') });
    const img = result.images[0];
    const size = img.layers.reduce((n, l) => n + l.uncompressedSize, 0);
    const compressed = img.layers.reduce((n, l) => n + l.size, 0);
    const binary = img.binaries[0].size;
    console.log(
      `  --base ${base}: image ${fmt(size)}, compressed ${fmt(compressed)}, ${img.layers.length} layers`,
    );
    check(`  vs binary ${fmt(binary)} + CA + ${budget / KiB} KiB`, size, binary + ca.data.length + budget);
    console.log(`    overhead over binary + CA bundle: ${size - binary - ca.data.length} B`);
    if (base === 'static') {
      const article = await articleBaseline(result, { dir: hello, goPath: go });
      console.log(
        `  the article's scratch Dockerfile, same Go (plain go build, no -s -w: ${fmt(article.binarySize)} + CA): ${fmt(article.total)}`,
      );
      console.log(
        `    minnow's default image is ${((1 - size / article.total) * 100).toFixed(1)}% smaller\n`,
      );
    }
  }

  // 2. --tzdata: Go's zoneinfo.zip (+ ZONEINFO) vs the timetzdata build tag.
  console.log('\n--tzdata: zoneinfo.zip in the base vs -tags timetzdata in the binary');
  const goroot = execFileSync(go, ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
  const zip = await readFile(join(goroot, 'lib', 'time', 'zoneinfo.zip'));
  const env = goEnvironment({ platform: hostPlatform() });
  const plainBin = join(work, 'plain');
  const tzBin = join(work, 'tz');
  execFileSync(go, goBuildArgs({ pkg: '.', output: plainBin }), { cwd: hello, env });
  execFileSync(go, goBuildArgs({ pkg: '.', output: tzBin, tags: ['timetzdata'] }), { cwd: hello, env });
  const [p, t] = [await readFile(plainBin), await readFile(tzBin)];
  const gz = (b) => gzipSync(b, { level: 6 }).length;
  console.log(`  zoneinfo.zip file:     +${fmt(zip.length)} uncompressed, +${fmt(gz(zip))} gzip`);
  console.log(
    `  timetzdata in binary:  +${fmt(t.length - p.length)} uncompressed, +${fmt(gz(t) - gz(p))} gzip`,
  );

  // 3. Rebuild after a one-line edit, warm Go cache: minnow (whole CLI run) vs plain go build, same flags.
  console.log(
    `\nRebuild after a one-line edit (warm Go cache), median of 9, interleaved (load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} CPUs)`,
  );
  const app = join(work, 'hello');
  await cp(hello, app, { recursive: true });
  const source = await readFile(join(app, 'main.go'), 'utf8');
  const edit = async (i) =>
    writeFile(
      join(app, 'main.go'),
      source.replace('smallest Go container!', `smallest Go container! (${i})`),
    );
  const bin = join(root, 'bin', 'minnow.cjs');
  const out = `oci:${join(work, 'out')}:latest`;
  const time = (cmd, args, opts) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { ...opts, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  const goArgs = goBuildArgs({ pkg: '.', output: join(work, 'go-out') });
  time(process.execPath, [bin, 'build', app, '--output', out, '-q'], { cwd: work });
  time(go, goArgs, { cwd: app, env });
  const minnowTimes = [];
  const goTimes = [];
  for (let i = 0; i < 9; i++) {
    await edit(`m${i}`);
    minnowTimes.push(time(process.execPath, [bin, 'build', app, '--output', out, '-q'], { cwd: work }));
    await edit(`g${i}`);
    goTimes.push(time(go, goArgs, { cwd: app, env }));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const [m, g] = [median(minnowTimes), median(goTimes)];
  console.log(`  go build ${goArgs.slice(1, -3).join(' ')}: ${g.toFixed(3)} s`);
  console.log(
    `  minnow build (node bin/minnow.cjs, whole run):   ${m.toFixed(3)} s  (+${(m - g).toFixed(3)} s)`,
  );
  check('minnow build vs go build + 0.4 s', m, g + 0.4, 's');
} finally {
  await rm(work, { recursive: true, force: true });
}
if (failed) process.exitCode = 1;
