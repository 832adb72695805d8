// Attestation cost: `minnow build --push` of examples/hello to Debian's docker-registry on 127.0.0.1, plain
// (--sbom none --provenance none) vs with SBOM + SLSA provenance + cosign signature (--sign-key), interleaved
// runs, a fresh repository each run, Go's cache warm. Then what each sends through a counting proxy: the extra
// blobs and manifests must be what the attestations need and nothing else.
// Run: npm run build && node bench/attest.mjs        (RUNS=N to change the number of runs; default 7)
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startCounter } from './lib/counting-proxy.mjs';
import { startRegistry } from './lib/registry.mjs';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/minnow.cjs');
const HELLO = join(ROOT, 'examples/hello');
const RUNS = Number(process.env.RUNS ?? 7);
const TARGET_S = 0.3;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

const dir = await mkdtemp(join(tmpdir(), 'minnow-bench-attest-'));
const reg = await startRegistry(dir);
const env = { ...process.env, COSIGN_PASSWORD: 'bench', SOURCE_DATE_EPOCH: '1700000000' };
let failed = false;
try {
  await run(process.execPath, [BIN, 'generate-key-pair', '-q', '--output-key-prefix', join(dir, 'k')], {
    env,
  });
  const key = join(dir, 'k.key');
  const modes = {
    plain: ['--sbom', 'none', '--provenance', 'none'],
    'SBOM + provenance + signature': ['--sign-key', key],
  };
  const push = (host, repo, extra) =>
    run(
      process.execPath,
      [
        BIN,
        'build',
        HELLO,
        '--push',
        `${host}/${repo}:v1`,
        '--insecure-registry',
        host,
        '-q',
        '--json',
        ...extra,
      ],
      {
        env,
        cwd: dir,
      },
    );
  // Warm Go's cache and the registry's storage paths.
  for (const [i, extra] of Object.values(modes).entries()) await push(reg.host, `warm/m${i}`, extra);
  const times = Object.fromEntries(Object.keys(modes).map((m) => [m, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const [k, [name, extra]] of Object.entries(modes).entries()) {
      const t0 = process.hrtime.bigint();
      await push(reg.host, `bench/m${k}-${i}`, extra);
      times[name].push(seconds(t0));
    }
  }
  const [plain, full] = Object.keys(modes).map((m) => median(times[m]));
  console.log(
    `minnow build --push of examples/hello, median of ${RUNS} interleaved runs, fresh repository each run:`,
  );
  for (const m of Object.keys(modes)) console.log(`  ${m.padEnd(32)}${median(times[m]).toFixed(3)} s`);
  const extra = full - plain;
  const ok = extra <= TARGET_S;
  failed ||= !ok;
  console.log(`  extra wall time ${extra.toFixed(3)} s   target ≤ ${TARGET_S} s   ${ok ? 'PASS' : 'FAIL'}`);

  // What each mode sends: a counting proxy in front of the registry, a fresh repository each.
  const counter = await startCounter(reg.port);
  const sent = {};
  for (const [k, [name, extraFlags]] of Object.entries(modes).entries()) {
    counter.reset();
    const out = await push(counter.host, `count/m${k}`, extraFlags);
    const report = JSON.parse(out.stdout);
    sent[name] = { ...counter.counts, attached: report.attached ?? [] };
  }
  counter.stop();
  const p = sent.plain;
  const f = sent['SBOM + provenance + signature'];
  const attached = f.attached.flatMap((a) => [
    ...a.referrers.map((r) => r.kind),
    ...a.signatures.map((s) => s.tag ?? s.kind ?? 'cosign'),
  ]);
  console.log('what a first push sends:');
  console.log(`  plain                           ${p.uploads} blob uploads, ${p.manifests} manifest writes`);
  console.log(`  SBOM + provenance + signature   ${f.uploads} blob uploads, ${f.manifests} manifest writes`);
  console.log(`  attached: ${attached.join(', ')}`);
  // Each referrer is an artifact manifest over one blob (+ the shared empty config); the tag-schema index is one
  // more manifest. cosign's .sig is a manifest over one layer and a config; .att one manifest over the DSSE
  // envelopes and a config.
  const reportedUploads = f.attached.reduce((n, a) => n + a.uploaded, 0);
  const extraBlobs = f.uploads - p.uploads;
  const okBlobs = extraBlobs === reportedUploads;
  failed ||= !okBlobs;
  console.log(
    `  extra blobs ${extraBlobs}; the attach report counts ${reportedUploads} attestation blobs   ${okBlobs ? 'PASS (nothing else)' : 'FAIL'}`,
  );
} finally {
  reg.stop();
  await rm(dir, { recursive: true, force: true });
}
if (failed) process.exitCode = 1;
