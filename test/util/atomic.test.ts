import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withTempTarget, writeFileAtomic } from '../../src/util/atomic.js';
import { tempDir } from '../helpers/tmp.js';

describe('atomic writes', () => {
  it('writes through a temp file and leaves only the target', async () => {
    const dir = await tempDir();
    await writeFileAtomic(join(dir, 'a', 'b', 'file.txt'), 'hello');
    expect(await readFile(join(dir, 'a', 'b', 'file.txt'), 'utf8')).toBe('hello');
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['file.txt']);
  });

  it('on failure removes the temp path and the parent directories it made, but not ones that were there', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'kept'));
    await expect(
      withTempTarget(join(dir, 'kept', 'new', 'deeper', 'out'), async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await readdir(dir)).toEqual(['kept']);
    expect(await readdir(join(dir, 'kept'))).toEqual([]);
  });

  it('keeps a parent directory something else wrote into meanwhile', async () => {
    const dir = await tempDir();
    await expect(
      withTempTarget(join(dir, 'new', 'out'), async (tmp) => {
        await writeFileAtomic(join(dir, 'new', 'other.txt'), 'x');
        await mkdir(tmp);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await readdir(join(dir, 'new'))).toEqual(['other.txt']);
  });
});
