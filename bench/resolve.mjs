// minnow resolve on a directory of 20 manifests naming 3 packages.
// Target: each package is built once and pushed once (3 builds, 3 pushes), however many references there are.
// Run: npm run build && node bench/resolve.mjs   (needs Debian's docker-registry; started here on 127.0.0.1)
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fetch } from 'undici';
import { build } from '../dist/build/build.js';
import { pushImage } from '../dist/publish/registry.js';
import { packagePublisher } from '../dist/resolve/package-publisher.js';
import { readManifests } from '../dist/resolve/read-manifests.js';
import { resolveManifests } from '../dist/resolve/resolve-manifests.js';

const ROOT = resolve(import.meta.dirname, '..');
const GOAPPS = join(ROOT, 'test', 'fixtures', 'goapps');
const FLEET = join(ROOT, 'test', 'fixtures', 'k8s', 'fleet');

const freePort = () =>
  new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

const tmp = await mkdtemp(join(tmpdir(), 'minnow-bench-resolve-'));
const port = await freePort();
await writeFile(
  join(tmp, 'config.yml'),
  `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(tmp, 'storage')}\nhttp:\n  addr: 127.0.0.1:${port}\n`,
);
const registry = spawn('docker-registry', ['serve', join(tmp, 'config.yml')], { stdio: 'ignore' });
try {
  for (let i = 0; ; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/v2/`);
      break;
    } catch {
      if (i > 200) throw new Error('docker-registry did not start');
      await sleep(50);
    }
  }
  const counts = { build: 0, push: 0 };
  const builds = new Map();
  const publish = packagePublisher({
    dir: GOAPPS,
    repo: `127.0.0.1:${port}/bench`,
    overrides: { cacheDir: join(tmp, 'cache') },
    build: (o) => {
      counts.build++;
      builds.set(o.packages[0], (builds.get(o.packages[0]) ?? 0) + 1);
      return build(o);
    },
    push: (ref, target, o) => {
      counts.push++;
      return pushImage(ref, target, o);
    },
  });
  const sources = await readManifests([FLEET], { recursive: true });
  const start = Date.now();
  const result = await resolveManifests(sources, { publish });
  const seconds = (Date.now() - start) / 1000;
  const catalog = await (await fetch(`http://127.0.0.1:${port}/v2/_catalog`)).json();
  const packages = result.images.size;
  console.log(
    `resolve: ${sources.length} manifests, ${result.references.length} references, ${packages} packages`,
  );
  console.log(
    `  builds: ${counts.build} (target ${packages}: once per package) ${counts.build === packages ? 'OK' : 'MISSED'}`,
  );
  console.log(`  pushes: ${counts.push} (target ${packages}) ${counts.push === packages ? 'OK' : 'MISSED'}`);
  console.log(`  per package: ${[...builds].map(([p, n]) => `${p.split('/').pop()}=${n}`).join(' ')}`);
  console.log(`  repositories in the registry: ${catalog.repositories.join(', ')}`);
  console.log(`  wall time: ${seconds.toFixed(2)}s (host platform, warm Go cache)`);
} finally {
  registry.kill('SIGKILL');
  await rm(tmp, { recursive: true, force: true });
}
