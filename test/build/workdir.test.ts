import { readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pruneBlobs } from '../../src/build/workdir.js';
import { tempPathFor } from '../../src/util/atomic.js';
import { tempDir } from '../helpers/tmp.js';

describe('pruneBlobs', () => {
  it("removes old blobs and the temp files a killed run left, keeping the current blob, recent files and others' dotfiles", async () => {
    const dir = await tempDir();
    const old = new Date(Date.now() - 30 * 60 * 1000);
    const files = {
      keep: join(dir, 'a'.repeat(64)),
      oldBlob: join(dir, 'b'.repeat(64)),
      newBlob: join(dir, 'c'.repeat(64)),
      oldTemp: tempPathFor(join(dir, 'd'.repeat(64))),
      newTemp: tempPathFor(join(dir, 'e'.repeat(64))),
      oldDotfile: join(dir, '.keep-me'),
    };
    for (const path of Object.values(files)) await writeFile(path, 'x');
    for (const path of [files.keep, files.oldBlob, files.oldTemp, files.oldDotfile])
      await utimes(path, old, old);
    await pruneBlobs(dir, 'a'.repeat(64));
    const left = (await readdir(dir)).sort();
    const name = (p: string): string => p.slice(dir.length + 1);
    expect(left).toEqual([files.keep, files.newBlob, files.newTemp, files.oldDotfile].map(name).sort());
  });
});
