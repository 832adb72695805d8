import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
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

  it('runs from the bundle, where --version loads a few KB of code and no dependency', async () => {
    // The CommonJS entry answers --version itself (package.json, no module loader) and imports the bundle else.
    expect(await readFile(BIN, 'utf8')).toContain("import('../dist/cli-bundle/main.js')");
    // The files a start-up loads before main() runs: the entry and what it imports statically.
    const loaded = new Map<string, string>();
    const visit = async (url: URL): Promise<void> => {
      if (loaded.has(url.href)) return;
      const code = await readFile(url, 'utf8');
      loaded.set(url.href, code);
      for (const m of code.matchAll(/^(?:import|export)\b[^'"]*['"](\.[^'"]+)['"]/gm))
        await visit(new URL(m[1] as string, url));
    };
    await visit(new URL('../../dist/cli-bundle/main.js', import.meta.url));
    const code = [...loaded.values()].join('\n');
    expect(code.length).toBeLessThan(10_000);
    expect(code).not.toMatch(/node_modules/);
    // Each command's help comes from its own chunk.
    const lint = await cli(['lint', '--help']);
    expect(lint.code).toBe(0);
    expect(lint.stdout).toContain('Usage: minnow lint');
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
    for (const args of [['build', '--help'], ['push', '--help'], ['cache', 'info']]) {
      const loaded = await builtins(args);
      expect(loaded).toContain('NativeModule fs/promises');
      expect(
        loaded.filter((m) => /NativeModule (zlib|worker_threads|internal\/util\/parse_args)/.test(m)),
      ).toEqual([]);
    }
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
