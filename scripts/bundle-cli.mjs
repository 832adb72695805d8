// Bundles the CLI (src/cli/main.ts and everything it loads, dependencies included) into one CommonJS file,
// dist/cli-bundle/minnow.cjs, which bin/minnow.cjs runs with a V8 code cache (see there): a start-up then
// reads one file and compiles almost nothing. Lazily loaded commands stay lazy: esbuild turns each `import()`
// into a module initialised on first use. The gzip and analysis workers are ES module bundles beside it, where
// gzip-pool.ts and analysis-pool.ts look for them. The library (`exports`) stays the tsc output in dist/.
// Run by `npm run build` after tsc.
import { createHash } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url);
const { version } = JSON.parse(await readFile(new URL('package.json', root), 'utf8'));
const target = new URL('dist/cli-bundle', root).pathname;
// Written beside and swapped in, so a minnow process running while the CLI is rebuilt never finds a file
// missing or half-written.
const outdir = `${target}.tmp-${process.pid}`;
await rm(outdir, { recursive: true, force: true });
// The bundle's first line names its content (filled in below, at the same length, so the source map holds):
// bin/minnow.cjs keys V8's code cache by it, since V8 itself checks only the source's length before it trusts one.
const ID_LINE = `// minnow-bundle ${'0'.repeat(32)}`;
// Large dependencies few commands use stay in node_modules, required when first used: each start compiles (or
// reads from its code cache) only the bundle, and a first start parses 2.4 MB less. (Not @hpcc-js/wasm-zstd: an
// ES module, which the bundle, run as a vm.Script, cannot import() without an experimental option that warns on
// Node 20; commands that write no zstd leave it out, as esbuild drops what they never call.)
const EXTERNAL = ['undici', 'zod', 'yaml', 'dockerfile-ast'];
// The top-level help's list of commands, from the program with every command registered (the tsc output, built
// just before): `minnow --help` then shows it without loading every command module (src/cli/command-index.ts).
const { createProgram } = await import(new URL('dist/cli/program.js', root).href);
const { indexCommands } = await import(new URL('dist/cli/command-index.js', root).href);
const commandIndex = indexCommands(await createProgram());
const common = {
  absWorkingDir: root.pathname,
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20.19',
  define: { MINNOW_BUNDLED_VERSION: JSON.stringify(version) },
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
};
// The prelude (src/cli/prelude.ts), which bin/minnow.cjs loads first, and the modules the bundle takes from it
// instead of bundling copies: the head starts it began, and the one MinnowError every command's `instanceof` needs.
const SHARED = {
  'src/cli/prelude.ts': '',
  'src/errors.ts': '.errors',
  'src/go/head-start.ts': '.headStart',
  'src/go/run-go.ts': '.runGo',
};
const prelude = await build({
  ...common,
  entryPoints: { prelude: 'src/cli/prelude.ts' },
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  metafile: true,
  define: { ...common.define, 'import.meta.url': '__minnowPreludeUrl' },
  banner: { js: "const __minnowPreludeUrl = require('node:url').pathToFileURL(__filename).href;" },
});
const inPrelude = new Set(Object.keys(prelude.metafile.inputs));
for (const file of Object.keys(SHARED)) {
  if (!inPrelude.has(file))
    throw new Error(`${file} is not in the prelude: the bundle would have a copy of it`);
}
const fromPrelude = {
  name: 'from-prelude',
  setup(b) {
    b.onResolve({ filter: /\.js$/ }, async (args) => {
      if (args.pluginData?.inner || args.namespace !== 'file') return undefined;
      const found = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { inner: true },
      });
      const file = relative(root.pathname, found.path);
      return file in SHARED ? { path: file, namespace: 'prelude' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'prelude' }, (args) => ({
      contents: `module.exports = require('./prelude.cjs')${SHARED[args.path]};`,
      loader: 'js',
    }));
  },
};
const cli = {
  ...common,
  format: 'cjs',
  external: [...EXTERNAL, './prelude.cjs'],
  outExtension: { '.js': '.cjs' },
  // The sources' import.meta.url is this file's URL: the workers and @hpcc-js/wasm-zstd are found from it.
  define: {
    ...common.define,
    'import.meta.url': '__minnowBundleUrl',
    // A string literal, parsed where it is used: an object-valued define becomes a module of its own whose
    // initialiser esbuild calls from every other module's.
    MINNOW_COMMAND_INDEX: JSON.stringify(JSON.stringify(commandIndex)),
  },
  banner: { js: `${ID_LINE}\nconst __minnowBundleUrl = require('node:url').pathToFileURL(__filename).href;` },
};
await build({ ...cli, entryPoints: { minnow: 'src/cli/main.ts' }, plugins: [fromPrelude] });
// Commands whose runs are short enough that loading the whole bundle is much of them get a bundle of their own,
// minnow-COMMAND.cjs, which bin/minnow.cjs runs for them: the same main.ts, with every other command's module
// left out (0.66 MB of the whole 1.63 MB for push: V8 reads and checks a smaller code cache, and keeps less).
const OWN_BUNDLE = ['push'];
/**
 * Modules a command's own bundle leaves out too (imported by the command's module): what only some of its runs need,
 * which bin/minnow.cjs runs from the whole bundle (its WHOLE_BUNDLE_FLAGS).
 */
const LEFT_OUT = { push: ['../push-attest.js'] };
/** Leaves out every command module program.ts loads except `name`'s: importing another one fails loudly. */
const onlyCommand = (name) => ({
  name: 'only-command',
  setup(b) {
    b.onResolve({ filter: /^\.\/commands\/[a-z-]+\.js$/ }, (args) =>
      args.kind === 'dynamic-import' &&
      relative(root.pathname, args.importer) === 'src/cli/program.ts' &&
      args.path !== `./commands/${name}.js`
        ? { path: args.path, namespace: 'left-out' }
        : undefined,
    );
    b.onResolve({ filter: /\.js$/ }, (args) =>
      args.kind === 'dynamic-import' &&
      relative(root.pathname, args.importer) === `src/cli/commands/${name}.ts` &&
      (LEFT_OUT[name] ?? []).includes(args.path)
        ? { path: args.path, namespace: 'left-out' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not in the ${name} bundle`)});`,
      loader: 'js',
    }));
  },
});
for (const name of OWN_BUNDLE) {
  await build({
    ...cli,
    entryPoints: { [`minnow-${name}`]: 'src/cli/main.ts' },
    plugins: [fromPrelude, onlyCommand(name)],
  });
}
await build({
  ...common,
  entryPoints: {
    'analysis-worker': 'src/analyze/analysis-worker.ts',
    'gzip-worker': 'src/util/gzip-worker.ts',
  },
  format: 'esm',
  // The gzip helper makes zstd frames too, and imports libzstd (0.26 MB of base64 WebAssembly) from node_modules
  // only for them: a gzip build's helper starts as fast as before (a worker has no code cache).
  external: ['@hpcc-js/wasm-zstd'],
  // CommonJS dependencies call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __minnowRequire } from 'node:module'; const require = __minnowRequire(import.meta.url);",
  },
});
for (const name of ['minnow', ...OWN_BUNDLE.map((c) => `minnow-${c}`)]) {
  const bundle = `${outdir}/${name}.cjs`;
  const code = await readFile(bundle, 'utf8');
  if (!code.startsWith(`${ID_LINE}\n`)) throw new Error(`${bundle} does not start with its id line`);
  const id = createHash('sha256').update(code).digest('hex').slice(0, 32);
  await writeFile(bundle, `// minnow-bundle ${id}${code.slice(ID_LINE.length)}`);
}
const old = `${target}.old-${process.pid}`;
await rename(target, old).catch((err) => {
  if (err.code !== 'ENOENT') throw err;
});
await rename(outdir, target);
await rm(old, { recursive: true, force: true });
