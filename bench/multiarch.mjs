// Multi-platform build time vs plain `go build`.
// Target: building linux/amd64 + linux/arm64 of examples/hello with a warm Go cache takes at most 1.3x the time
// of the two `go build` commands (the same flags minnow uses) run back to back.
// Run: npm run build && node bench/multiarch.mjs [rounds]
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from '../dist/build/build.js';
import { goBuildArgs } from '../dist/go/build.js';
import { writeLayout } from '../dist/publish/layout.js';

const run = promisify(execFile);
const HELLO = resolve(import.meta.dirname, '..', 'examples', 'hello');
const ROUNDS = Number(process.argv[2] ?? 5);
const TARGET = 1.3;
const PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
];

const tmp = await mkdtemp(join(tmpdir(), 'minnow-bench-multiarch-'));
const cacheDir = join(tmp, 'cache');

async function goBuilds() {
  for (const p of PLATFORMS) {
    const args = goBuildArgs({ pkg: '.', output: join(tmp, `hello-${p.architecture}`) });
    await run('go', args, {
      cwd: HELLO,
      env: { ...process.env, CGO_ENABLED: '0', GOOS: p.os, GOARCH: p.architecture, GOTOOLCHAIN: 'local' },
    });
  }
}

const layoutTimes = [];

async function minnowBuild(withLayout) {
  const result = await build({ dir: HELLO, platforms: PLATFORMS, cacheDir });
  if (withLayout) {
    const dir = join(tmp, `layout-${Math.random().toString(36).slice(2)}`);
    layoutTimes.push(await time(() => writeLayout(dir, result.target, { tag: 'latest' })));
    await rm(dir, { recursive: true, force: true });
  }
  return result;
}

async function time(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  // Warm the Go build cache and minnow's base cache for both platforms.
  await goBuilds();
  await minnowBuild(true);
  const go = [];
  const mb = [];
  const ml = [];
  // Interleaved, so load from other processes on the machine hits all three alike.
  for (let i = 0; i < ROUNDS; i++) {
    go.push(await time(goBuilds));
    mb.push(await time(() => minnowBuild(false)));
    ml.push(await time(() => minnowBuild(true)));
  }
  const fmt = (ms) => `${(ms / 1000).toFixed(2)}s`;
  const min = (xs) => Math.min(...xs);
  const line = (label, xs, base) => {
    const r = median(xs) / median(base);
    const rMin = min(xs) / min(base);
    return `  ${label} median ${fmt(median(xs))} = ${r.toFixed(2)}x, best ${fmt(min(xs))} = ${rMin.toFixed(2)}x  (target <= ${TARGET}x) ${r <= TARGET ? 'OK' : 'MISSED'}`;
  };
  console.log(`examples/hello, linux/amd64 + linux/arm64, warm Go cache, ${ROUNDS} interleaved rounds`);
  console.log(`  two go build commands back to back:  median ${fmt(median(go))}, best ${fmt(min(go))}`);
  console.log(line('minnow build() (index of 2 images): ', mb, go));
  console.log(line('minnow build() + OCI layout written:', ml, go));
  console.log(`  (writing the OCI layout alone: median ${fmt(median(layoutTimes))})`);
} finally {
  await rm(tmp, { recursive: true, force: true });
}
