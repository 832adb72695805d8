// Benchmark: why is it big. For examples/hello and a large real program (bench/lib/large-program.mjs, Helm's CLI):
//  - attribution agreement with `go tool nm -size` on an unstripped build of the same source (max deviation per
//    module, code bytes), and the time (wall and CPU) to attribute the stripped binary (target <= 1 s);
//  - the binary's layer tar compressed by minnow's strategies: gzip-6 (parallel members, the build default),
//    gzip-9 (1 MiB members: files, data, the built-in base), zstd-3 (the zstd default), zstd-9, zstd-19: bytes and time;
//  - `minnow diff` of two builds of examples/hello one edit apart: the diff alone (the builds are not timed), in
//    process (diffImages) and as a whole CLI run, against a target of 0.5 s beyond the two builds.
// Times on a shared machine depend on its load: the load average is printed with them.
//
//   npm run build && node bench/size.mjs [--no-large] [--no-zstd19]
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const api = await import(new URL('../dist/index.js', import.meta.url).href);
// The compressions are internal (builds choose them with --compression): the bench reads them from dist/.
const gz = await import(new URL('../dist/oci/gzip-compression.js', import.meta.url).href);
const zstd = await import(new URL('../dist/oci/zstd-compression.js', import.meta.url).href);
const hello = fileURLToPath(new URL('../examples/hello', import.meta.url));
const args = new Set(process.argv.slice(2));
const work = await mkdtemp(join(tmpdir(), 'minnow-bench-size-'));
const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;

async function buildPair(dir, pkg, name) {
  const env = { ...process.env, CGO_ENABLED: '0' };
  const stripped = join(work, `${name}-stripped`);
  const full = join(work, `${name}-full`);
  await run('go', ['build', '-trimpath', '-ldflags=-s -w -buildid=', '-o', stripped, pkg], { cwd: dir, env });
  await run('go', ['build', '-trimpath', '-ldflags=-buildid=', '-o', full, pkg], { cwd: dir, env });
  return { stripped, full };
}

async function agreement(name, stripped, full) {
  const data = await readFile(stripped);
  const info = await api.readBuildInfo(data);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const a = await api.attributeBinary(data, info);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const classify = api.symbolClassifier(info);
  const { stdout } = await run('go', ['tool', 'nm', '-size', full], { maxBuffer: 1 << 28 });
  const nm = new Map();
  for (const line of stdout.split('\n')) {
    const m = /^\s*[0-9a-f]+\s+(\d+)\s+[Tt]\s+(.+)$/.exec(line);
    if (m) nm.set(classify(m[2]).module, (nm.get(classify(m[2]).module) ?? 0) + Number(m[1]));
  }
  let worst = { dev: 0, module: '' };
  for (const m of a.modules) {
    const n = nm.get(m.path) ?? 0;
    const dev = n ? Math.abs(m.code - n) / n : m.code ? 1 : 0;
    if (dev > worst.dev) worst = { dev, module: m.path };
  }
  console.log(
    `${name}: ${mb(data.length)} stripped, ${a.modules.length} modules, ${a.packages.length} packages; ` +
      `attributed ${mb(a.attributed)} (${((a.attributed / data.length) * 100).toFixed(1)}%)`,
  );
  console.log(
    `  agreement with go tool nm (code per module): max deviation ${(worst.dev * 100).toFixed(3)}%` +
      `${worst.module ? ` (${worst.module})` : ''}   target <= 2%`,
  );
  console.log(
    `  attribute time: ${wall.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU` +
      `   target <= 1000 ms   (load average ${loadavg()[0].toFixed(1)})`,
  );
}

async function compression(name, binary) {
  const strategies = [
    ['gzip-6 (parallel, build default)', gz.parallelGzipCompression({ level: 6, chunkSize: 128 * 1024 })],
    ['gzip-9 (1 MiB members, files and data)', gz.gzipCompression(9)],
    ['zstd-3 (zstd default)', zstd.zstdCompression(3)],
    ['zstd-9', zstd.zstdCompression(9)],
    ...(args.has('--no-zstd19') ? [] : [['zstd-19', zstd.zstdCompression(19)]]),
  ];
  console.log(`  ${name}: layer of the binary, compressed`);
  for (const [label, c] of strategies) {
    const t0 = performance.now();
    const w = await api.writeLayer([{ type: 'file', path: '/app/bin', source: binary, mode: 0o555 }], {
      blobDir: join(work, 'blobs'),
      mtime: 0,
      compression: c,
    });
    const ms = performance.now() - t0;
    console.log(
      `    ${label.padEnd(34)} ${mb(w.size).padStart(10)}  ${ms.toFixed(0).padStart(7)} ms   tar ${mb(w.uncompressedSize)}`,
    );
  }
}

/** Two builds of hello one edit apart (oci layouts), then the diff of them timed, in process and as a CLI run. */
async function diffTime() {
  const { cp, readFile: read, writeFile } = await import('node:fs/promises');
  const src = join(work, 'hello-src');
  await cp(hello, src, { recursive: true });
  const cli = fileURLToPath(new URL('../bin/minnow.cjs', import.meta.url));
  const layout = (n) => `oci:${join(work, n)}:v1`;
  await run('node', [cli, 'build', src, '-o', layout('diff-a'), '-q']);
  const main = join(src, 'main.go');
  await writeFile(main, (await read(main, 'utf8')).replace('import (', 'import (\n\t_ "encoding/json"'));
  await run('node', [cli, 'build', src, '-o', layout('diff-b'), '-q']);
  // Five runs in process: the first pays for loading and compiling the code, the best is the machine's floor.
  const times = [];
  const cpus = [];
  let diff;
  for (let i = 0; i < 5; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    ({ diff } = await api.diffImages(
      await api.openImage(layout('diff-a')),
      await api.openImage(layout('diff-b')),
    ));
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
  }
  const sorted = [...times].sort((x, y) => x - y);
  const t1 = performance.now();
  await run('node', [cli, 'diff', layout('diff-a'), layout('diff-b'), '--json'], { maxBuffer: 1 << 26 });
  const whole = performance.now() - t1;
  console.log(
    `minnow diff of two hello builds one edit apart (${diff.layers.shared} layer unchanged, ${diff.goPackages.length} packages changed): ` +
      `in process first ${times[0].toFixed(0)} ms, median ${sorted[2].toFixed(0)} ms, best ${sorted[0].toFixed(0)} ms (CPU ${Math.min(...cpus).toFixed(0)} ms); ${whole.toFixed(0)} ms whole CLI run   target <= 500 ms beyond the builds   (load average ${loadavg()[0].toFixed(1)})`,
  );
}

try {
  await diffTime();
  const h = await buildPair(hello, '.', 'hello');
  await agreement('examples/hello', h.stripped, h.full);
  await compression('examples/hello', h.stripped);
  if (!args.has('--no-large')) {
    let lib;
    try {
      lib = await import(new URL('./lib/large-program.mjs', import.meta.url).href);
    } catch {
      console.log(
        'large program: bench/lib/large-program.mjs is not here yet (it comes with the inner-loop bench)',
      );
    }
    if (lib) {
      const app = await lib.prepareLargeProgram(work);
      const l = await buildPair(app.dir, app.pkg, app.name);
      await agreement(`${app.name} (large program)`, l.stripped, l.full);
      await compression(app.name, l.stripped);
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
