import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findGo } from '../../src/go/find-go.js';
import { binaryName, findMainPackages } from '../../src/go/list.js';
import { goEnvironment } from '../../src/go/platform-env.js';
import { hostPlatform } from '../../src/oci/index.js';
import { tempDir } from '../helpers/tmp.js';
import { CGO_MODULE, HELLO_DIR, LIBRARY_MODULE, writeModule } from './go-fixtures.js';
import { failure } from '../helpers/failure.js';

const env = goEnvironment({ platform: hostPlatform() });

describe('findMainPackages (real go list)', () => {
  it('finds the hello example as a main package with its module and deps', async () => {
    const go = await findGo();
    const [main, ...rest] = await findMainPackages(['.'], { go, dir: HELLO_DIR, env });
    expect(rest).toEqual([]);
    expect(main).toMatchObject({ importPath: 'hello', name: 'hello', module: 'hello', goVersion: '1.21' });
    expect(main?.deps).toContain('net/http');
  });

  it('a quick listing names the same main package without loading its imports', async () => {
    const go = await findGo();
    const [full] = await findMainPackages(['.'], { go, dir: HELLO_DIR, env });
    const quick = await findMainPackages(['.'], { go, dir: HELLO_DIR, env }, { quick: true });
    expect(quick).toEqual([{ ...full, deps: [] }]);
  });

  it('a quick listing still refuses a library package and a main package that needs cgo', async () => {
    const go = await findGo();
    const lib = await writeModule(join(await tempDir(), 'lib'), LIBRARY_MODULE, 'example.com/lib');
    expect((await failure(findMainPackages(['.'], { go, dir: lib, env }, { quick: true }))).code).toBe(
      'NO_MAIN_PACKAGE',
    );
    const cgoMain = await writeModule(join(await tempDir(), 'cgomain'), {
      'main.go':
        'package main\n\n// int two() { return 2; }\nimport "C"\n\nfunc main() { println(C.two()) }\n',
    });
    const err = await failure(findMainPackages(['.'], { go, dir: cgoMain, env }, { quick: true }));
    expect(err.code).toBe('CGO_REQUIRED');
    expect(err.subject).toBe('example.com/app');
  });

  it('refuses a directory outside any module', async () => {
    const dir = await tempDir();
    const err = await failure(findMainPackages(['.'], { go: await findGo(), dir, env }));
    expect(err.code).toBe('NOT_A_MODULE');
    expect(err.message).toContain(dir);
  });

  it('refuses a library package, naming it', async () => {
    const dir = await writeModule(join(await tempDir(), 'lib'), LIBRARY_MODULE, 'example.com/lib');
    const err = await failure(findMainPackages(['.'], { go: await findGo(), dir, env }));
    expect(err.code).toBe('NO_MAIN_PACKAGE');
    expect(err.message).toBe('example.com/lib is package lib, not a main package');
  });

  it('names the dependency that needs cgo', async () => {
    const dir = await writeModule(join(await tempDir(), 'cgo'), CGO_MODULE);
    const err = await failure(findMainPackages(['.'], { go: await findGo(), dir, env }));
    expect(err.code).toBe('CGO_REQUIRED');
    expect(err.subject).toBe('example.com/app/cgodep');
    expect(err.message).toContain('package example.com/app/cgodep needs cgo');
  });

  it('never downloads a newer toolchain a go.mod asks for: says which one and how to allow it', async () => {
    const dir = await writeModule(join(await tempDir(), 'future'), {
      'main.go': 'package main\n\nfunc main() {}\n',
    });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'go.mod'), 'module example.com/future\n\ngo 1.99.0\n');
    const err = await failure(findMainPackages(['.'], { go: await findGo(), dir, env }));
    expect(err.message).toBe('the module needs go1.99.0, newer than the installed Go');
    expect(err.hint).toBe('install it, or set GOTOOLCHAIN=auto to let go download it');
  });

  it('keeps only main packages of a ./... pattern', async () => {
    const dir = await writeModule(join(await tempDir(), 'multi'), {
      'cmd/one/main.go': 'package main\n\nfunc main() {}\n',
      'cmd/two/main.go': 'package main\n\nfunc main() {}\n',
      'lib/lib.go': 'package lib\n',
    });
    const mains = await findMainPackages(['./...'], { go: await findGo(), dir, env });
    expect(mains.map((m) => m.name)).toEqual(['one', 'two']);
  });
});

describe('binaryName', () => {
  it('names binaries as go build does', () => {
    expect(binaryName('example.com/app/cmd/server')).toBe('server');
    expect(binaryName('example.com/tool/v2')).toBe('tool');
    expect(binaryName('hello')).toBe('hello');
  });
});
