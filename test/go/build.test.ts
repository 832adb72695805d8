import { spawnSync } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isMinnowError, type MinnowError } from '../../src/errors.js';
import { goBuild, goBuildArgs, goBuildInto } from '../../src/go/build.js';
import { bufferSource, ElfFile } from '../../src/go/elf.js';
import { findGo } from '../../src/go/find-go.js';
import { goEnvironment } from '../../src/go/platform-env.js';
import { hostPlatform } from '../../src/oci/index.js';
import { exec } from '../helpers/exec.js';
import { tempDir } from '../helpers/tmp.js';
import { BROKEN_MODULE, writeModule } from './go-fixtures.js';

const env = goEnvironment({ platform: hostPlatform() });

describe('goBuild (real go build)', () => {
  it('builds a static, stripped, path-free binary with the user flags appended', async () => {
    const go = await findGo();
    const dir = await writeModule(join(await tempDir(), 'ver'), {
      'main.go': 'package main\n\nvar version = "dev"\n\nfunc main() { println(version) }\n',
    });
    const out = join(dir, 'bin', 'ver');
    const built = await goBuild({
      go,
      dir,
      env,
      pkg: '.',
      output: out,
      ldflags: '-X main.version=1.2.3',
      tags: ['netgo'],
    });
    expect(built.path).toBe(out);
    const info = await exec(go, ['version', '-m', out]);
    expect(info).toMatch(/build\s+-trimpath=true/);
    expect(info).toMatch(/build\s+CGO_ENABLED=0/);
    expect(info).toMatch(/build\s+-tags=netgo/);
    expect(info.split('\n').slice(1).join('\n')).not.toContain(dir);
    // The user's -X reached the linker, after minnow's own flags.
    const run = spawnSync(out, { encoding: 'utf8' });
    expect(run.stderr.trim()).toBe('1.2.3');
    // -s -w: no symbol table, no DWARF.
    const sections = await exec('readelf', ['-S', '-W', out]);
    expect(sections).not.toContain('.symtab');
    expect(sections).not.toContain('.debug_');
    // The Go build ID stays (it is what lets a rebuild skip the link).
    expect(await exec('readelf', ['-n', out])).toContain('GO BUILDID');
    expect(built.size).toBeGreaterThan(100_000);
  });

  it('reports a compile error with the compiler output and leaves no binary behind', async () => {
    const dir = await writeModule(join(await tempDir(), 'broken'), BROKEN_MODULE);
    const out = join(dir, 'out', 'app');
    let err: MinnowError | undefined;
    try {
      await goBuild({ go: await findGo(), dir, env, pkg: '.', output: out });
    } catch (e) {
      if (isMinnowError(e)) err = e;
    }
    expect(err?.code).toBe('GO_BUILD_FAILED');
    expect(err?.message).toContain('undefined: undefinedThing');
    expect(String(err?.details?.output)).toContain('main.go:4:2: undefined: undefinedThing');
    const left = await exec('find', [join(dir, 'out'), '-type', 'f']);
    expect(left.trim()).toBe('');
  });

  it('passes exactly the documented flags', () => {
    expect(goBuildArgs({ pkg: './cmd/x', output: '/o/x' })).toEqual([
      'build',
      '-trimpath',
      '-ldflags=-s -w',
      '-o',
      '/o/x',
      './cmd/x',
    ]);
  });

  it('--debug: no optimizations or inlining, and nothing stripped, the user ldflags kept', () => {
    expect(goBuildArgs({ pkg: '.', output: '/o/x', debug: true, ldflags: '-X main.v=1' })).toEqual([
      'build',
      '-trimpath',
      '-gcflags=all=-N -l',
      '-ldflags=-X main.v=1',
      '-o',
      '/o/x',
      '.',
    ]);
    expect(goBuildArgs({ pkg: '.', output: '/o/x', debug: true })).not.toContain('-ldflags=-s -w');
  });

  it('a debug build keeps the symbol table and DWARF a debugger reads; the default build has neither', async () => {
    const go = await findGo();
    const tmp = await tempDir();
    const dir = await writeModule(join(tmp, 'm'), {
      'main.go': 'package main\n\nfunc main() { println("hi") }\n',
    });
    const sections = async (debug: boolean): Promise<string[]> => {
      const outDir = join(tmp, debug ? 'debug' : 'plain');
      await goBuildInto({ go, dir, env, packages: ['.'], outDir, debug });
      const elf = await ElfFile.open(bufferSource(await readFile(join(outDir, 'app'))));
      return elf.sections.map((s) => s.name);
    };
    const debug = await sections(true);
    expect(debug).toContain('.symtab');
    expect(debug).toContain('.debug_info');
    const plain = await sections(false);
    expect(plain.filter((n) => n === '.symtab' || n.startsWith('.debug_'))).toEqual([]);
  });

  it('leaves an up-to-date binary alone, and gives the same bytes in another directory with an empty GOCACHE', async () => {
    const go = await findGo();
    const tmp = await tempDir();
    // Only the runtime: the empty GOCACHE below makes Go compile every package the program needs.
    const files = { 'main.go': 'package main\n\nfunc main() { println("hi") }\n' };
    const a = await writeModule(join(tmp, 'a'), files);
    const outA = join(tmp, 'out-a');
    await goBuildInto({ go, dir: a, env, packages: ['.'], outDir: outA });
    const first = await stat(join(outA, 'app'), { bigint: true });
    await goBuildInto({ go, dir: a, env, packages: ['.'], outDir: outA });
    const again = await stat(join(outA, 'app'), { bigint: true });
    // Not linked again: the same file (Go only touches its mtime), and `go build -x` runs no link step.
    expect([again.ino, again.size]).toEqual([first.ino, first.size]);
    const args = goBuildArgs({ pkg: '.', output: `${outA}/` });
    const trace = spawnSync(go, [args[0] as string, '-x', ...args.slice(1)], {
      cwd: a,
      env,
      encoding: 'utf8',
    });
    expect(trace.status).toBe(0);
    expect(trace.stderr).not.toMatch(/\/link\b/);

    // Another path, another (empty) build cache: the compiler and linker really run again, to the same bytes,
    // build ID included.
    const b = await writeModule(join(tmp, 'another', 'path', 'b'), files);
    const outB = join(tmp, 'out-b');
    const freshCache = { ...env, GOCACHE: join(tmp, 'gocache') };
    await goBuildInto({ go, dir: b, env: freshCache, packages: ['.'], outDir: outB });
    const [binA, binB] = [await readFile(join(outA, 'app')), await readFile(join(outB, 'app'))];
    expect(binB.equals(binA)).toBe(true);
    const id = await exec(go, ['tool', 'buildid', join(outA, 'app')]);
    expect(id).toMatch(/^[\w-]+\/[\w-]+\/[\w-]+\/[\w-]+\n$/);
    expect(await exec(go, ['tool', 'buildid', join(outB, 'app')])).toBe(id);
  }, 600_000);

  it('leaves no go-build work directory behind when a build is aborted midway', async () => {
    const goTmp = await tempDir();
    const dir = await writeModule(join(await tempDir(), 'abort'), {
      'main.go': 'package main\n\nfunc main() { println("hi") }\n',
    });
    const stop = new AbortController();
    const build = goBuild({
      go: await findGo(),
      dir,
      env: { ...env, GOTMPDIR: goTmp },
      pkg: '.',
      output: join(dir, 'bin', 'app'),
      signal: stop.signal,
    }).then(
      () => 'built',
      (e: unknown) => (isMinnowError(e) ? e.code : String(e)),
    );
    // Abort once go has made its work directory (bounded: go makes it before any compile).
    const workDirs = async (): Promise<string[]> => {
      const top = await readdir(goTmp);
      const inner = await Promise.all(top.map((r) => readdir(join(goTmp, r)).catch(() => [])));
      return [...top, ...inner.flat()];
    };
    for (let i = 0; i < 3000 && !(await workDirs()).some((n) => n.startsWith('go-build')); i++)
      await sleep(10);
    expect((await workDirs()).some((n) => n.startsWith('go-build'))).toBe(true);
    stop.abort();
    expect(await build).toBe('ABORTED');
    expect(await readdir(goTmp)).toEqual([]);
  });
});
