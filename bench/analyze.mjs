// Benchmark: analyze a generated ~1 GB image. Generation (not timed) writes several layers of incompressible-ish
// files with minnow's layer writer into an OCI layout; a child process then analyzes it, so its peak RSS
// (process.resourceUsage().maxRSS) is the analysis alone. Prints MB/s of uncompressed layer data and peak RSS
// next to the targets (>= 150 MB/s, <= 256 MB).
//
//   npm run build && node bench/analyze.mjs [--gb 1] [--keep]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/index.js', import.meta.url);

if (process.argv[2] === '--child') {
  const { readLayout, analyzeImage } = await import(dist.href);
  const target = await readLayout(process.argv[3]);
  const started = process.hrtime.bigint();
  const a = await analyzeImage(target.image);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(
    JSON.stringify({
      seconds,
      uncompressed: a.size.uncompressed,
      compressed: a.size.compressed,
      layers: a.layers.length,
      files: a.files.count,
      efficiency: a.efficiency.score,
      maxRssKiB: process.resourceUsage().maxRSS,
    }),
  );
  process.exit(0);
}

const gbArg = process.argv.indexOf('--gb');
const gb = gbArg > 0 ? Number(process.argv[gbArg + 1]) : 1;
const keep = process.argv.includes('--keep');
const { writeLayer, mutate, emptyImage, writeLayout } = await import(dist.href);

const LAYERS = 4;
const FILE = 4 * 1024 * 1024;
const filesPerLayer = Math.round((gb * 1024 ** 3) / LAYERS / FILE);
const work = await mkdtemp(join(tmpdir(), 'minnow-bench-analyze-'));
try {
  console.log(`generating ${LAYERS} layers x ${filesPerLayer} files x 4 MiB (not timed)...`);
  const pattern = Buffer.alloc(256 * 1024, 'minnow benchmark filler line\n');
  const layers = [];
  for (let l = 0; l < LAYERS; l++) {
    const hostDir = join(work, `host-${l}`);
    await mkdir(hostDir, { recursive: true });
    const entries = [];
    for (let f = 0; f < filesPerLayer; f++) {
      // 3/4 random, 1/4 repetitive: gzip gets ~1.3:1, like real binaries and assets.
      const parts = [];
      for (let b = 0; b < FILE / (1024 * 1024); b++) parts.push(randomBytes(768 * 1024), pattern);
      const host = join(hostDir, `f${f}`);
      await writeFile(host, Buffer.concat(parts));
      entries.push({ type: 'file', path: `/data/layer${l}/file${f}.bin`, source: host, mode: 0o644 });
    }
    // A later layer overwrites a few files of the first: wasted bytes for the efficiency score.
    if (l === LAYERS - 1) {
      for (let f = 0; f < Math.min(4, filesPerLayer); f++) {
        entries.push({
          type: 'file',
          path: `/data/layer0/file${f}.bin`,
          source: join(hostDir, `f${f}`),
          mode: 0o644,
        });
      }
    }
    const w = await writeLayer(entries, { blobDir: join(work, 'blobs'), mtime: 0, compressionLevel: 1 });
    layers.push({ layer: w.layer, history: { created_by: `bench layer ${l}` } });
    await rm(hostDir, { recursive: true, force: true });
  }
  const image = await mutate(emptyImage({ os: 'linux', architecture: 'amd64' }), { layers });
  const layout = join(work, 'layout');
  await writeLayout(layout, { kind: 'image', image });
  await rm(join(work, 'blobs'), { recursive: true, force: true });

  console.log('analyzing in a child process...');
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', layout], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const r = JSON.parse(out);
  const mbps = r.uncompressed / 1e6 / r.seconds;
  const rssMiB = r.maxRssKiB / 1024;
  console.log(
    `image: ${r.layers} layers, ${r.files} files, ${(r.uncompressed / 1e6).toFixed(0)} MB uncompressed, ` +
      `${(r.compressed / 1e6).toFixed(0)} MB compressed, efficiency ${(r.efficiency * 100).toFixed(1)}%`,
  );
  console.log(
    `throughput: ${mbps.toFixed(0)} MB/s of uncompressed layer data (target >= 150 MB/s) in ${r.seconds.toFixed(2)} s`,
  );
  console.log(`peak RSS:   ${rssMiB.toFixed(0)} MiB (target <= 256 MiB)`);
  console.log(mbps >= 150 && rssMiB <= 256 ? 'PASS' : 'MISS');
} finally {
  if (!keep) await rm(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
