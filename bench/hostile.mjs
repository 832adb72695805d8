// bench/hostile.mjs: minnow against hostile input, side by side with the peer tool where one exists.
//
//   1. Peak RSS of `minnow analyze` on the worst decompression bombs (1 GiB of zeros as zstd and as gzip, in an
//      OCI layout), vs `syft` on the same layout. Target: minnow ≤ 256 MiB.
//   2. Time to fail against a registry that accepts connections and never answers, with default settings,
//      vs `crane manifest` (cut off at 120 s). Target: minnow ≤ 35 s.
//   3. `minnow lint` on a 50 MB Dockerfile and on one 30 MB line (target: ≤ 10 s each; both are past the limits
//      and refused at once), and within the limits at 0.5 and 1 MB (linear) and one 60 KB line.
//
// The corpus summary (cases, cases that hold, worst RSS) is printed by test/corpus/corpus.test.ts.
// Needs `npm run build`, zstd and gzip; syft and crane when installed (scripts/setup-test-env.sh).
// Run: node bench/hostile.mjs
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emptyImage, fileLayer, MediaType, mutate, sha256 } from '../dist/oci/index.js';
import { writeLayout } from '../dist/publish/layout.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/minnow.cjs');
const MiB = (kib) => (kib / 1024).toFixed(0);
const s = (ms) => (ms / 1000).toFixed(1);

/** Runs a command, at most `limitMs`; returns its exit code, wall time, stderr's first line and peak RSS (KiB). */
let runs = 0;
function measure(cmd, args, { limitMs = 600_000, env = {} } = {}) {
  const rssFile = join(dir, `rss-${runs++}`);
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', rssFile, cmd, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      // Its own process group, so a peer still waiting at the limit is killed with time itself.
      detached: true,
      env: { ...process.env, NO_COLOR: '1', ...env },
    });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    const timer = setTimeout(() => process.kill(-child.pid, 'SIGKILL'), limitMs);
    child.on('close', async (code) => {
      clearTimeout(timer);
      const rss = await readFile(rssFile, 'utf8').catch(() => '');
      resolve({
        code,
        ms: Date.now() - started,
        line: err.split('\n').find(Boolean) ?? '',
        rssKiB: Number(rss.trim().split('\n').pop()) || 0,
      });
    });
  });
}

async function bombLayout(dir, name, compress, mediaType) {
  const blob = execFileSync('sh', ['-c', `head -c ${1024 ** 3} /dev/zero | ${compress}`], {
    maxBuffer: 1 << 26,
  });
  const path = join(dir, `${name}.blob`);
  await writeFile(path, blob);
  const layer = fileLayer(path, {
    digest: sha256(blob),
    diffId: sha256(Buffer.from(name)),
    size: blob.length,
    mediaType,
  });
  const image = await mutate(emptyImage({ os: 'linux', architecture: 'amd64' }), { layers: [{ layer }] });
  await writeLayout(join(dir, name), { kind: 'image', image });
  return { path: join(dir, name), bytes: blob.length };
}

function have(tool) {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const dir = await mkdtemp(join(tmpdir(), 'minnow-bench-hostile-'));
const env = { MINNOW_CACHE_DIR: join(dir, 'cache') };
try {
  console.log('1. decompression bombs (1 GiB of zeros), analyze peak RSS');
  for (const [name, compress, type] of [
    ['zstd-bomb', 'zstd -19 -q -c', MediaType.OciLayerZstd],
    ['gzip-bomb', 'gzip -9 -c', MediaType.OciLayerGzip],
  ]) {
    const bomb = await bombLayout(dir, name, compress, type);
    const m = await measure(process.execPath, [BIN, 'analyze', `oci:${bomb.path}`], { env });
    const line = `   ${name} (${bomb.bytes} B): minnow ${MiB(m.rssKiB)} MiB peak, ${s(m.ms)} s, exit ${m.code}: ${m.line}`;
    if (have('syft')) {
      const p = await measure('syft', ['-q', `oci-dir:${bomb.path}`], {
        env: { SYFT_CHECK_FOR_APP_UPDATE: 'false' },
      });
      console.log(
        `${line}\n   ${' '.repeat(name.length)}  syft   ${MiB(p.rssKiB)} MiB peak, ${s(p.ms)} s, exit ${p.code}`,
      );
    } else console.log(line);
  }

  console.log('2. a registry that accepts connections and never answers (default timeouts)');
  const sockets = [];
  const silent = createServer((sock) => sockets.push(sock));
  await new Promise((r) => silent.listen(0, '127.0.0.1', r));
  const ref = `127.0.0.1:${silent.address().port}/silent/app:v1`;
  const m = await measure(process.execPath, [BIN, 'analyze', ref], { env, limitMs: 120_000 });
  console.log(`   minnow: failed after ${s(m.ms)} s, exit ${m.code}: ${m.line}`);
  if (have('crane')) {
    const p = await measure('crane', ['manifest', '--insecure', ref], { limitMs: 120_000 });
    console.log(
      `   crane:  ${p.code === null ? 'still waiting, killed' : `failed, exit ${p.code},`} after ${s(p.ms)} s`,
    );
  }
  for (const sock of sockets) sock.destroy();
  silent.close();

  console.log('3. minnow lint on huge Dockerfiles');
  /** A Dockerfile of about `bytes` bytes of go build RUNs and COPYs. */
  const manyOf = (bytes) => {
    const many = ['FROM golang:1.22 AS build', 'WORKDIR /src'];
    let size = 0;
    for (let i = 0; size < bytes; i++) {
      const l = i % 3 === 0 ? `RUN go build -o /out/app${i} ./cmd/app${i}` : `COPY dir${i}/ /src/dir${i}/`;
      many.push(l);
      size += l.length + 1;
    }
    many.push('FROM scratch', 'COPY --from=build /out/app0 /app', 'USER 65532:65532', 'ENTRYPOINT ["/app"]');
    return many.join('\n') + '\n';
  };
  for (const [name, text] of [
    ['50 MB, many instructions', manyOf(50e6)],
    ['one 30 MB line', `FROM scratch\nLABEL x="${'a'.repeat(30e6)}"\n`],
    // Within the limits, lint's time grows linearly: half the size, about half the time.
    ['0.5 MB, many instructions', manyOf(500e3)],
    ['1 MB (just under the limit)', manyOf(1024 * 1024 - 4096)],
    ['one 60 KB line', `FROM scratch\nLABEL x="${'a'.repeat(60e3)}"\n`],
  ]) {
    const file = join(dir, 'Dockerfile');
    await writeFile(file, text);
    const r = await measure(process.execPath, [BIN, 'lint', '--fail-on', 'none', file], { env });
    console.log(
      `   ${name} (${(text.length / 1e6).toFixed(1)} MB): ${s(r.ms)} s, ${MiB(r.rssKiB)} MiB peak, exit ${r.code}${r.code ? `: ${r.line}` : ''}`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
