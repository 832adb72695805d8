// Bundles the CLI (src/cli/main.ts and everything it loads, dependencies included) into dist/cli-bundle/, one
// chunk per lazily loaded command, so a start-up resolves and reads a handful of files instead of hundreds:
// `minnow --version` loads one small file. The library (`exports`) stays the tsc output in dist/.
// Run by `npm run build` after tsc.
import { readFile, rename, rm } from 'node:fs/promises';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url);
const { version } = JSON.parse(await readFile(new URL('package.json', root), 'utf8'));
const target = new URL('dist/cli-bundle', root).pathname;
// Written beside and swapped in, so a minnow process running while the CLI is rebuilt never finds a chunk
// missing: the same source gives the same chunk names, present in the old folder and the new one.
const outdir = `${target}.tmp-${process.pid}`;
await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root.pathname,
  // The workers sit beside the chunks, where analysis-pool.ts and gzip-pool.ts (bundled into ones) look for them.
  entryPoints: {
    main: 'src/cli/main.ts',
    'chunks/analysis-worker': 'src/analyze/analysis-worker.ts',
    'chunks/gzip-worker': 'src/util/gzip-worker.ts',
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  chunkNames: 'chunks/[name]-[hash]',
  define: { MINNOW_BUNDLED_VERSION: JSON.stringify(version) },
  // CommonJS dependencies (commander, tar-stream) call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __minnowRequire } from 'node:module'; const require = __minnowRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
});
const old = `${target}.old-${process.pid}`;
await rename(target, old).catch((err) => {
  if (err.code !== 'ENOENT') throw err;
});
await rename(outdir, target);
await rm(old, { recursive: true, force: true });
