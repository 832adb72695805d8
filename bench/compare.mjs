// Benchmark: `minnow compare` on examples/hello. Builds the app on alpine:3.19, distroless static-debian12,
// scratch and minnow's default (static), measures each image, and prints the sizes next to the seed article's.
// alpine and distroless come from the registry/cache or the local Docker Engine (daemon:); when neither has
// alpine, it is assembled from the minirootfs in test/fixtures. Checks the article's order
// (alpine > distroless > scratch) and that minnow's default is below every size the article measured.
//
//   npm run build && node bench/compare.mjs
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const {
  compareBases,
  defaultCompareBases,
  writeLayout,
  mutate,
  emptyImage,
  fileLayer,
  DigestingStream,
  MediaType,
} = await import(new URL('../dist/index.js', import.meta.url).href);
const { renderCompareText } = await import(new URL('../dist/report/compare-report.js', import.meta.url).href);

const root = fileURLToPath(new URL('..', import.meta.url));
const work = await mkdtemp(join(tmpdir(), 'minnow-bench-compare-'));

/** alpine:3.19 as the official image is built, from the minirootfs fixture (used only when no real one is at hand). */
async function fixtureAlpine() {
  const { createReadStream } = await import('node:fs');
  const { createGunzip } = await import('node:zlib');
  const { pipeline } = await import('node:stream/promises');
  const path = join(root, 'test/fixtures/alpine-3.19.4/alpine-minirootfs-3.19.4-x86_64.tar.gz');
  const blob = new DigestingStream();
  const tar = new DigestingStream();
  await pipeline(createReadStream(path), blob, createGunzip(), tar, async (s) => {
    for await (const _ of s) void _;
  });
  const layer = fileLayer(path, {
    digest: blob.digest,
    diffId: tar.digest,
    size: blob.size,
    mediaType: MediaType.OciLayerGzip,
  });
  const image = await mutate(emptyImage({ os: 'linux', architecture: 'amd64' }), {
    layers: [{ layer }],
    config: (c) => ({
      ...c,
      config: {
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        Cmd: ['/bin/sh'],
      },
    }),
  });
  await writeLayout(join(work, 'alpine'), { kind: 'image', image }, { tag: '3.19' });
  return `oci:${join(work, 'alpine')}:3.19`;
}

try {
  const bases = defaultCompareBases();
  bases[0].specs.push(await fixtureAlpine());
  const started = Date.now();
  const result = await compareBases({
    dir: join(root, 'examples/hello'),
    bases,
    build: { cacheDir: join(work, 'cache') },
  });
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(renderCompareText(result));
  console.log('');
  const mb = (n) => (n === undefined ? '   -    ' : `${(n / 1e6).toFixed(2).padStart(5)} MB`);
  console.log('base                          minnow     article    built from');
  for (const r of result.rows)
    console.log(`${r.base.padEnd(28)} ${mb(r.size)}  ${mb(r.articleSize)}  ${r.spec}`);
  const size = (p) => result.rows.find((r) => r.base.startsWith(p))?.size;
  const [alpine, distroless, scratch, minnow] = ['alpine', 'distroless', 'scratch', 'static'].map(size);
  const articleMin = Math.min(...result.rows.map((r) => r.articleSize ?? Infinity));
  const checks = [
    ['alpine > distroless > scratch', alpine > distroless && distroless > scratch],
    [
      `minnow default (${mb(minnow).trim()}) below every article size (smallest ${mb(articleMin).trim()})`,
      minnow < articleMin,
    ],
    [`minnow default below alpine and distroless built by minnow`, minnow < alpine && minnow < distroless],
  ];
  console.log('');
  for (const [what, ok] of checks) console.log(`${ok ? 'PASS' : 'MISS'}  ${what}`);
  for (const s of result.skipped) console.log(`skipped ${s.base}: ${s.reason}`);
  console.log(`compare took ${seconds.toFixed(1)} s for ${result.rows.length} builds`);
} finally {
  await rm(work, { recursive: true, force: true });
}
