// Benchmark: what keeping the cache bounded costs a build. Generation (not timed) fills a temp cache with
// --files blob files (default 5000, 64 kB each, ~330 MB) and a layers/ record for a tenth of them. Times:
// - boundCache between checks (the hourly marker is fresh): what every build pays; target <= 1 ms;
// - cacheUsage, a full walk: what one build an hour pays; target <= 500 ms for 5000 entries;
// - pruneCache --max-size to half (real deletes). Prints the numbers next to the targets.
//
//   npm run build && node bench/cache.mjs [--files 5000]
import { randomBytes, createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { boundCache, cacheUsage, pruneCache } = await import(
  new URL('../dist/index.js', import.meta.url).href
);

const i = process.argv.indexOf('--files');
const count = i > 0 ? Number(process.argv[i + 1]) : 5000;
const dir = await mkdtemp(join(tmpdir(), 'minnow-bench-cache-'));
try {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  await mkdir(join(dir, 'layers'), { recursive: true });
  const old = Date.now() - 86_400_000;
  for (let n = 0; n < count; n++) {
    const data = randomBytes(64 * 1024);
    const hex = createHash('sha256').update(data).digest('hex');
    await writeFile(join(blobs, hex), data);
    const t = new Date(old - n * 60_000);
    await utimes(join(blobs, hex), t, t);
    if (n % 10 === 0)
      await writeFile(join(dir, 'layers', `${n}.json`), JSON.stringify({ digest: `sha256:${hex}` }));
  }
  const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

  await writeFile(join(dir, '.pruned'), '');
  const rounds = 1000;
  let t0 = process.hrtime.bigint();
  for (let n = 0; n < rounds; n++) await boundCache(dir, 1);
  const skip = ms(t0) / rounds;

  t0 = process.hrtime.bigint();
  const usage = await cacheUsage(dir);
  const walk = ms(t0);

  t0 = process.hrtime.bigint();
  const result = await pruneCache({ dir, maxBytes: Math.floor(usage.totalBytes / 2) });
  const prune = ms(t0);

  console.log(`entries: ${count}, ${(usage.totalBytes / 1e6).toFixed(1)} MB`);
  console.log(`boundCache between checks: ${skip.toFixed(3)} ms per build (target <= 1 ms)`);
  console.log(`cacheUsage full walk: ${walk.toFixed(0)} ms (target <= 500 ms for 5000 entries)`);
  console.log(`pruneCache to half: ${prune.toFixed(0)} ms, removed ${result.removed.length} entries`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
