#!/usr/bin/env node
// CommonJS, so `minnow --version` answers before anything else loads. Every other command runs the one-file
// bundle (scripts/bundle-cli.mjs; push a smaller one of its own) with a V8 code cache kept in minnow's cache:
// V8 then compiles none of the functions an earlier run of the same command compiled, where Node's own compile
// cache keeps only what a module's first compile made (its top level), so every run compiled the rest again. On Node 24, 15
// interleaved runs on a 2-CPU machine: a second push 211 -> 149 ms, `build --help` 158 -> 111 ms, a no-op build
// 389 -> 336 ms. Node 20, which has no compile cache, gains too (`build --help` 245 -> 205 ms).
'use strict';

const words = process.argv.slice(2);
if (words.length === 1 && (words[0] === '--version' || words[0] === '-V')) {
  process.stdout.write(`${require('../package.json').version}\n`);
} else {
  run();
}

/** minnow's cache directory, as src/util/cache-layout.ts's minnowCacheDir says (test/cli/main.test.ts). */
function cacheDir(path) {
  const env = process.env;
  if (env.MINNOW_CACHE_DIR) return env.MINNOW_CACHE_DIR;
  if (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME))
    return path.join(env.XDG_CACHE_HOME, 'minnow');
  return path.join(require('node:os').homedir(), '.cache', 'minnow');
}

/** `mkdir -p`, one level at a time (Node's recursive mkdir can spin where a parent answers ENOENT, as /proc). */
function makeDirs(fs, path, dir) {
  const missing = [];
  for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) {
    if (path.dirname(d) === d) break;
    missing.unshift(d);
  }
  for (const d of missing) fs.mkdirSync(d, { mode: 0o700 });
}

/** The flags for which a command with a bundle of its own runs the whole one (scripts/bundle-cli.mjs's LEFT_OUT). */
const WHOLE_BUNDLE_FLAGS = { push: ['--sign-key', '--sbom-format'] };

/** A week: how long another bundle's (an earlier build or release) caches stay after they were made. */
const STALE_MS = 7 * 24 * 60 * 60 * 1000;

/** Removes the caches of other bundles made over a week ago: each rebuild or upgrade makes new ones. */
function sweep(fs, path, dir, id) {
  const now = Date.now();
  for (const name of fs.readdirSync(dir)) {
    if (name.startsWith(`${id}-`)) continue;
    const at = path.join(dir, name);
    try {
      if (now - fs.statSync(at).mtimeMs > STALE_MS) fs.rmSync(at, { force: true });
    } catch {
      // Gone already, or not ours to remove.
    }
  }
}

function run() {
  const fs = require('node:fs');
  const path = require('node:path');
  const Module = require('node:module');
  const dist = path.join(__dirname, '..', 'dist', 'cli-bundle');
  const tools = path.join(cacheDir(path), 'tools');
  // The dependencies left out of the bundle (undici, zod, yaml, dockerfile-ast) and the prelude load through
  // Node's module loader: on Node 22 and later its compile cache keeps their compiled top levels. A
  // NODE_COMPILE_CACHE set wins.
  if (process.env.NODE_COMPILE_CACHE === undefined) {
    try {
      Module.enableCompileCache?.(path.join(tools, 'node-compile-cache'));
    } catch {
      // Only a little slower without it.
    }
  }
  // The go build this command line ran last time spawns first, and the bundle loads while go compiles
  // (src/cli/prelude.ts): go then starts ~25 ms sooner than from inside the bundle.
  let early;
  try {
    early = require(path.join(dist, 'prelude.cjs')).startEarly(process.argv);
  } catch {
    // The bundle starts it instead.
  }
  const go = () => load(fs, path, Module, dist, tools);
  if (early) early.then(go);
  else go();
}

function load(fs, path, Module, dist, tools) {
  const { Script } = require('node:vm');
  const command = (words.find((w) => !w.startsWith('-')) ?? 'none').replace(/[^a-z0-9-]/g, '_').slice(0, 40);
  // A command with a bundle of its own (scripts/bundle-cli.mjs: push) runs that one, under half the size, unless
  // a flag asks for what that bundle leaves out (its LEFT_OUT).
  const whole = (WHOLE_BUNDLE_FLAGS[command] ?? []).some((flag) =>
    words.some((w) => w === flag || w.startsWith(`${flag}=`)),
  );
  let bundle = path.join(dist, whole ? 'minnow.cjs' : `minnow-${command}.cjs`);
  let source;
  try {
    source = fs.readFileSync(bundle, 'utf8');
  } catch {
    bundle = path.join(dist, 'minnow.cjs');
    source = fs.readFileSync(bundle, 'utf8');
  }
  // V8 checks a cache against the source's length only: the file name carries the bundle's content hash, the
  // Node version and the command (each command compiles its own functions; its --help, few of them).
  const id = /^\/\/ minnow-bundle ([0-9a-f]{32})\n/.exec(source)?.[1];
  const help = words.some((w) => w === '-h' || w === '--help') ? '-help' : '';
  const dir = path.join(tools, 'node-code-cache');
  const file = id && path.join(dir, `${id}-${process.version}-${process.arch}-${command}${help}.bin`);
  let cached;
  try {
    if (file) cached = fs.readFileSync(file);
  } catch {
    // None yet: this run makes it.
  }
  const script = new Script(Module.wrap(source), {
    filename: bundle,
    ...(cached ? { cachedData: cached } : {}),
  });
  if (file && (!cached || script.cachedDataRejected)) {
    // Made at exit, when it holds every function this run compiled; written through a temp file and a rename.
    process.once('exit', () => {
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        makeDirs(fs, path, dir);
        fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        fs.renameSync(tmp, file);
        sweep(fs, path, dir, id);
      } catch {
        fs.rmSync(tmp, { force: true });
      }
    });
  }
  const module = { exports: {} };
  script
    .runInThisContext()
    .call(module.exports, module.exports, Module.createRequire(bundle), module, bundle, path.dirname(bundle));
  module.exports.main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
