import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isMinnowError, type MinnowError } from '../../src/errors.js';
import { goBuild, goBuildArgs } from '../../src/go/build.js';
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
    const run = await import('node:child_process').then((cp) => cp.spawnSync(out, { encoding: 'utf8' }));
    expect(run.stderr.trim()).toBe('1.2.3');
    // -s -w: no symbol table, no DWARF.
    const sections = await exec('readelf', ['-S', '-W', out]);
    expect(sections).not.toContain('.symtab');
    expect(sections).not.toContain('.debug_');
    // -buildid=: no Go build ID note.
    expect(await exec('readelf', ['-n', out])).not.toContain('Go BUILDID');
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
      '-ldflags=-s -w -buildid=',
      '-o',
      '/o/x',
      './cmd/x',
    ]);
  });

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
