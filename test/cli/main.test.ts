import { execFile } from 'node:child_process';
import { readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { minnowCacheDir } from '../../src/util/cache-layout.js';
import { copyHello } from '../go/go-fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/minnow.cjs', import.meta.url));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the minnow program', () => {
  it('prints its version without loading any command', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const r = await cli(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('runs the one-file bundle with a code cache per bundle, Node and command, made once and then used', async () => {
    const bundle = await readFile(new URL('../../dist/cli-bundle/minnow.cjs', import.meta.url), 'utf8');
    const id = /^\/\/ minnow-bundle ([0-9a-f]{32})\n/.exec(bundle)?.[1];
    expect(id).toBeDefined();
    // The large dependencies few commands use are required from node_modules when first used.
    for (const dep of ['undici', 'zod', 'yaml', 'dockerfile-ast'])
      expect(bundle).toContain(`require("${dep}")`);
    const dir = await tempDir();
    // minnow's cache directory as cache-layout.ts names it: here $XDG_CACHE_HOME/minnow.
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: join(dir, 'xdg') };
    delete env.MINNOW_CACHE_DIR;
    const codeCache = join(minnowCacheDir(env), 'tools', 'node-code-cache');
    const help = async (): Promise<string> =>
      (await run(process.execPath, [BIN, 'build', '--help'], { env })).stdout;
    const first = await help();
    expect(first).toContain('Usage: minnow build');
    const made = await readdir(codeCache);
    expect(made).toEqual([`${id}-${process.version}-${process.arch}-build-help.bin`]);
    const file = join(codeCache, made[0] as string);
    const bytes = await readFile(file);
    expect(bytes.length).toBeGreaterThan(10_000);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // Used as it is: not written again, the same help.
    expect(await help()).toBe(first);
    expect((await readFile(file)).equals(bytes)).toBe(true);
    // A damaged cache is turned down by V8 and made again; the run is the same.
    await writeFile(file, Buffer.alloc(bytes.length, 7));
    expect(await help()).toBe(first);
    expect((await readFile(file)).equals(Buffer.alloc(bytes.length, 7))).toBe(false);
    // Another command has its own.
    await run(process.execPath, [BIN, 'cache', 'info'], { env });
    expect((await readdir(codeCache)).sort()).toEqual(
      [
        `${id}-${process.version}-${process.arch}-build-help.bin`,
        `${id}-${process.version}-${process.arch}-cache.bin`,
      ].sort(),
    );
    // Making one sweeps away other bundles' caches made over a week ago, and only those.
    const old = join(codeCache, `${'0'.repeat(32)}-v20.0.0-x64-build.bin`);
    const recent = join(codeCache, `${'1'.repeat(32)}-v20.0.0-x64-build.bin`);
    const mine = join(codeCache, `${id}-${process.version}-${process.arch}-cache.bin`);
    await writeFile(old, 'old');
    await writeFile(recent, 'recent');
    const weekAgo = Date.now() / 1000 - 8 * 24 * 3600;
    await utimes(old, weekAgo, weekAgo);
    await utimes(mine, weekAgo, weekAgo);
    await run(process.execPath, [BIN, 'analyze', '--help'], { env });
    const left = await readdir(codeCache);
    expect(left).not.toContain(basename(old));
    expect(left).toContain(basename(recent));
    expect(left).toContain(basename(mine));
    expect(left).toContain(`${id}-${process.version}-${process.arch}-analyze-help.bin`);
    // Each command's help comes from the bundle too.
    const lint = await cli(['lint', '--help']);
    expect(lint.code).toBe(0);
    expect(lint.stdout).toContain('Usage: minnow lint');
  });

  it('runs push from a bundle of its own, which holds no other command, with its own code cache', async () => {
    const read = (name: string): Promise<string> =>
      readFile(new URL(`../../dist/cli-bundle/${name}`, import.meta.url), 'utf8');
    const [full, push] = await Promise.all([read('minnow.cjs'), read('minnow-push.cjs')]);
    const idOf = (code: string): string | undefined => /^\/\/ minnow-bundle ([0-9a-f]{32})\n/.exec(code)?.[1];
    expect(idOf(push)).toBeDefined();
    expect(idOf(push)).not.toBe(idOf(full));
    expect(push).toContain('// src/cli/commands/push.ts\n');
    for (const other of ['build', 'analyze', 'dockerfile', 'attest']) {
      expect(full).toContain(`// src/cli/commands/${other}.ts\n`);
      expect(push).not.toContain(`// src/cli/commands/${other}.ts\n`);
    }
    expect(push.length).toBeLessThan(full.length / 2);
    // What only `push --sign-key` / `--sbom-format` needs (the image analysis of an SBOM) is left out too: those
    // runs take the whole bundle (bin/minnow.cjs, test/attest/copy.test.ts).
    for (const module of ['src/cli/push-attest.ts', 'src/attest/attach.ts', 'src/analyze/sbom/index.ts']) {
      expect(full).toContain(`// ${module}\n`);
      expect(push).not.toContain(`// ${module}\n`);
    }
    const dir = await tempDir();
    const env = { ...process.env, MINNOW_CACHE_DIR: join(dir, 'cache') };
    const { stdout } = await run(process.execPath, [BIN, 'push', '--help'], { env });
    expect(stdout).toContain('Usage: minnow push [options] <source> <destination>');
    // The top-level help, asked for before the command, still lists every command from the index.
    const top = await run(process.execPath, [BIN, '--help', 'push'], { env });
    expect(top.stdout).toContain('  build [options] [source...]');
    expect(await readdir(join(dir, 'cache', 'tools', 'node-code-cache'))).toEqual(
      expect.arrayContaining([`${idOf(push)}-${process.version}-${process.arch}-push-help.bin`]),
    );
  });

  it('a first build from the bundle compresses on the gzip helper beside it', async () => {
    const dir = await tempDir();
    const app = await copyHello(join(dir, 'hello'));
    const hook = join(dir, 'builtins.cjs');
    const out = join(dir, 'builtins.txt');
    await writeFile(
      hook,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, process.moduleLoadList.join('\\n')));`,
    );
    const { stdout } = await run(
      process.execPath,
      ['--require', hook, BIN, 'build', '-q', '-o', `oci:${join(dir, 'out')}`],
      { cwd: app, env: { ...process.env, MINNOW_CACHE_DIR: join(dir, 'cache') } },
    );
    expect(stdout.trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The pool loads node:worker_threads only to start a helper, and starts one only from a worker script found.
    expect((await readFile(out, 'utf8')).split('\n')).toContain('NativeModule worker_threads');
  });

  it("loads node:zlib, node:worker_threads and node:util's lazy parts only when a command uses them", async () => {
    const dir = await tempDir();
    // Preloaded: writes the built-in modules Node loaded after its own start-up, at exit.
    const hook = join(dir, 'builtins.cjs');
    const out = join(dir, 'builtins.txt');
    await writeFile(
      hook,
      `const seen = new Set(process.moduleLoadList);
process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)},
  process.moduleLoadList.filter((m) => !seen.has(m)).join('\\n')));`,
    );
    const builtins = async (args: string[]): Promise<string[]> => {
      await run(process.execPath, ['--require', hook, BIN, ...args], {
        env: { ...process.env, MINNOW_CACHE_DIR: join(dir, 'cache') },
      });
      return (await readFile(out, 'utf8')).split('\n');
    };
    for (const args of [['build', '--help'], ['push', '--help'], ['cache', 'info'], ['--help'], ['help']]) {
      const loaded = await builtins(args);
      expect(loaded).toContain('NativeModule fs/promises');
      expect(
        loaded.filter((m) => /NativeModule (zlib|worker_threads|internal\/util\/parse_args)/.test(m)),
      ).toEqual([]);
    }
    // The top-level help lists the commands from the bundle's index: no command module (http, tls) is loaded.
    for (const args of [['--help'], ['help'], ['-h']]) {
      expect((await builtins(args)).filter((m) => /NativeModule (http|tls|_http_client)$/.test(m))).toEqual(
        [],
      );
    }
  });

  it("shows in --help, from the bundle's command index, exactly what every command registered shows", async () => {
    // The in-process program of the TypeScript sources has no index: it registers every command module.
    const { createProgram } = await import('../../src/cli/program.js');
    const full = await createProgram();
    let expected = '';
    full.configureOutput({ writeOut: (text) => (expected += text) });
    full.outputHelp();
    expect(expected).toMatch(/^ {2}debug \[options\] <target> \[command\.\.\.\] +Open a toolbox/m);
    // The help flag before a command is the top-level help too: it lists every command, not just that one.
    for (const args of [['--help'], ['-h'], ['help'], ['--help', 'build'], ['-h', 'push']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toBe(expected);
    }
    // A command named still loads that command itself.
    expect((await cli(['help', 'push'])).stdout).toMatch(
      /^Usage: minnow push \[options\] <source> <destination>/,
    );
  });

  it('lists every command in --help', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const name of [
      'build',
      'push',
      'login',
      'logout',
      'analyze',
      'sbom',
      'compare',
      'dockerfile',
      'lint',
      'resolve',
      'apply',
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    }
  });

  it('does not clutter repeatable options with "(default: [])"', async () => {
    const r = await cli(['build', '--help']);
    expect(r.stdout).toMatch(/--env <K=V> +environment variable \(repeatable\)/);
    expect(r.stdout).not.toContain('(default: [])');
  });

  it('refuses an unknown command with exit 2', async () => {
    const r = await cli(['nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'nope'");
  });
});
