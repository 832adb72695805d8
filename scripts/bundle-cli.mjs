// Bundles the CLI (src/cli/main.ts and everything it loads, dependencies included) into dist/cli-bundle/, one
// chunk per lazily loaded command, so a start-up resolves and reads a handful of files instead of hundreds:
// `minnow --version` loads one small file. The library (`exports`) stays the tsc output in dist/.
// Run by `npm run build` after tsc.
import { readFile, rm } from 'node:fs/promises';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url);
const { version } = JSON.parse(await readFile(new URL('package.json', root), 'utf8'));
const outdir = new URL('dist/cli-bundle/', root).pathname;
await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root.pathname,
  entryPoints: { main: 'src/cli/main.ts' },
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
