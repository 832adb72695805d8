import { chmod, cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from '../../src/build/build.js';
import { findGo } from '../../src/go/find-go.js';
import { packageHeader } from '../../src/go/listing-cache.js';
import { failure } from '../helpers/failure.js';
import { tempDir } from '../helpers/tmp.js';
import { HELLO_DIR } from './go-fixtures.js';

describe('packageHeader', () => {
  it('is the text up to the package clause, comments and build constraints included', () => {
    const text =
      '// Copyright x\n\n//go:build linux\n\n/* package notthis */\npackage main\n\nfunc main() {}\n';
    expect(packageHeader(text)).toBe(text.slice(0, text.indexOf('package main') + 'package main'.length));
    expect(packageHeader('\ufeffpackage été // x\n')).toBe('\ufeffpackage été');
    // No clause (or one cut off by the read limit): undefined, and the whole file counts instead.
    expect(packageHeader('// only a comment\n')).toBeUndefined();
    expect(packageHeader('/* never closed package main')).toBeUndefined();
    expect(packageHeader('func main() {}\npackage main\n')).toBeUndefined();
  });
});

describe('the listing kept beside a build', () => {
  it('is used again after an edit below the package clause, and listed anew when the package changes', async () => {
    const dir = await tempDir();
    const src = join(dir, 'hello');
    await cp(HELLO_DIR, src, { recursive: true });
    // A go that logs each subcommand it runs, so the test sees whether a build listed.
    const log = join(dir, 'go.log');
    const goPath = join(dir, 'go');
    await writeFile(goPath, `#!/bin/sh\necho "$1" >> '${log}'\nexec '${await findGo()}' "$@"\n`);
    await chmod(goPath, 0o755);
    const runs = async (): Promise<string[]> => {
      const lines = (await readFile(log, 'utf8')).trim().split('\n');
      await rm(log);
      return lines.filter((l) => l === 'list' || l === 'build').sort();
    };
    const cacheDir = join(dir, 'cache');
    const once = () => build({ dir: src, goPath, cacheDir });
    const main = join(src, 'main.go');
    const original = await readFile(main, 'utf8');

    const first = await once();
    expect(await runs()).toEqual(['build', 'list']);
    await writeFile(main, original.replace('smallest Go container!', 'smallest Go container! (edited)'));
    const edited = await once();
    expect(await runs()).toEqual(['build']);
    expect(edited.digest).not.toBe(first.digest);
    expect(edited.module).toBe('hello');

    // A new module path: listed again, and the image says so.
    const goMod = join(src, 'go.mod');
    await writeFile(
      goMod,
      (await readFile(goMod, 'utf8')).replace(/^module hello$/m, 'module example.com/hi'),
    );
    const renamed = await once();
    expect(await runs()).toEqual(['build', 'list']);
    expect(renamed.module).toBe('example.com/hi');
    expect(renamed.images[0]?.binaries.map((b) => b.imagePath)).toEqual(['/app/hi']);

    // Another file: listed again (it could hold another package clause).
    await writeFile(join(src, 'extra.go'), 'package main\n\nconst extra = 1\n');
    await once();
    expect(await runs()).toEqual(['build', 'list']);

    // A pattern with ... is listed every time: a new directory under it could hold another main package.
    const wildcard = () => build({ dir: src, goPath, cacheDir, packages: ['./...'] });
    await wildcard();
    expect(await runs()).toEqual(['build', 'list']);
    await wildcard();
    expect(await runs()).toEqual(['build', 'list']);

    // No longer package main: listed again, and refused as before, not built from the binary left behind.
    await writeFile(main, original.replace(/^package main$/m, 'package hello'));
    await rm(join(src, 'extra.go'));
    const err = await failure(once());
    expect(err.code).toBe('NO_MAIN_PACKAGE');
  });
});
