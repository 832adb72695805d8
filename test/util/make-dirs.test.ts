import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirs } from '../../src/util/make-dirs.js';
import { failure } from '../helpers/failure.js';
import { tempDir } from '../helpers/tmp.js';

describe('makeDirs', () => {
  it('makes missing parents and returns the first one it made, like mkdir -p', async () => {
    const dir = await tempDir();
    expect(await makeDirs(join(dir, 'a', 'b', 'c'))).toBe(join(dir, 'a'));
    expect((await stat(join(dir, 'a', 'b', 'c'))).isDirectory()).toBe(true);
    expect(await makeDirs(join(dir, 'a', 'b'))).toBeUndefined();
  });

  it('parallel calls for the same new tree all succeed', async () => {
    const dir = await tempDir();
    await Promise.all(Array.from({ length: 8 }, () => makeDirs(join(dir, 'x', 'y', 'z'))));
    expect((await stat(join(dir, 'x', 'y', 'z'))).isDirectory()).toBe(true);
  });

  it('under /proc it fails at once with one line instead of spinning forever', async () => {
    const started = Date.now();
    const err = await failure(makeDirs('/proc/minnow-cache/blobs'));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err.code).toBe('OUTPUT_NOT_WRITABLE');
    expect(err.message).toBe('cannot create directory /proc/minnow-cache: the file system does not allow it');
  });
});

describe('system errors in words', () => {
  it('EISDIR and friends name the path and say what is wrong, on one line', async () => {
    const { formatError } = await import('../../src/cli/exit.js');
    const { plain } = await import('../cli/build-helpers.js');
    const { writeFile } = await import('node:fs/promises');
    const dir = await tempDir();
    const err = await writeFile(dir, 'x').catch((e: unknown) => e);
    expect(plain(formatError(err))).toBe(`error: ${dir}: is a directory`);
    const e2big = Object.assign(new Error('spawn E2BIG'), { code: 'E2BIG', syscall: 'spawn go' });
    expect(plain(formatError(e2big))).toBe('error: spawn go: the argument list is too long for the system');
  });
});
