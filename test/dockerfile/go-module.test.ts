import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { isMinnowError } from '../../src/errors.js';
import {
  builderGoVersion,
  findMainPackage,
  parseGoMod,
  readGoModule,
} from '../../src/dockerfile/go-module.js';
import { tempDir } from '../helpers/tmp.js';

describe('parseGoMod', () => {
  test('reads module, go and toolchain lines, ignoring comments and blocks', () => {
    const mod = parseGoMod(
      'module example.com/app // the app\n\ngo 1.22.1\n\ntoolchain go1.22.4\n\nrequire (\n\tgolang.org/x/net v0.1.0\n)\n',
    );
    expect(mod).toEqual({ path: 'example.com/app', goVersion: '1.22.1', toolchain: '1.22.4' });
    expect(builderGoVersion(mod)).toBe('1.22.4');
  });

  test('pins the go line when there is no toolchain line', () => {
    expect(builderGoVersion(parseGoMod('module hello\n\ngo 1.21\n'))).toBe('1.21');
  });

  test('refuses a go.mod without module line or with a bad version', () => {
    expect(() => parseGoMod('go 1.21\n')).toThrow(/no module line/);
    expect(() => parseGoMod('module x\ngo 1.21; rm -rf /\n')).toThrow();
    expect(() => parseGoMod('module x\ngo banana\n')).toThrow(/invalid go version/);
  });
});

describe('findMainPackage', () => {
  test('finds the root and a cmd/ package and names their binaries', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'go.mod'), 'module example.com/tool/v2\n\ngo 1.22\n');
    await writeFile(join(dir, 'main.go'), '// Command tool.\npackage main\n\nfunc main() {}\n');
    await mkdir(join(dir, 'cmd', 'server'), { recursive: true });
    await writeFile(join(dir, 'cmd', 'server', 'main.go'), 'package main\nfunc main() {}\n');
    await mkdir(join(dir, 'lib'));
    await writeFile(join(dir, 'lib', 'lib.go'), '/* package main */\npackage lib\n');
    const mod = await readGoModule(dir);
    expect(mod.hasGoSum).toBe(false);
    expect(await findMainPackage(mod, '.')).toEqual({ buildPath: '.', binary: 'tool' });
    expect(await findMainPackage(mod, './cmd/server')).toEqual({
      buildPath: './cmd/server',
      binary: 'server',
    });
    expect(await findMainPackage(mod, 'example.com/tool/v2/cmd/server')).toEqual({
      buildPath: './cmd/server',
      binary: 'server',
    });
    await expect(findMainPackage(mod, './lib')).rejects.toSatisfy((e) => isMinnowError(e, 'NO_MAIN_PACKAGE'));
    await expect(findMainPackage(mod, '../elsewhere')).rejects.toSatisfy((e) =>
      isMinnowError(e, 'INVALID_ARGUMENT'),
    );
  });

  test('a directory without go.mod is NOT_A_MODULE', async () => {
    const dir = await tempDir();
    await expect(readGoModule(dir)).rejects.toSatisfy((e) => isMinnowError(e, 'NOT_A_MODULE'));
  });
});
