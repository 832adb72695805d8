import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildWorkDir, pruneBlobs } from '../../src/build/workdir.js';
import { tempPathFor } from '../../src/util/atomic.js';
import { cacheLayout } from '../../src/util/cache-layout.js';
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

describe('buildWorkDir', () => {
  it('sweeps work directories and head-start memos unused for a week, and keeps the rest', async () => {
    const cache = await tempDir();
    const layout = cacheLayout(cache);
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3_600_000);
    const yesterday = new Date(Date.now() - 24 * 3_600_000);
    const made = async (path: string, when: Date, dir = false): Promise<void> => {
      if (dir) await mkdir(path, { recursive: true });
      else {
        await mkdir(join(path, '..'), { recursive: true });
        await writeFile(path, '{}');
      }
      await utimes(path, when, when);
    };
    await made(join(layout.builds, 'oldsource'), eightDaysAgo, true);
    await made(join(layout.builds, 'recentsource'), yesterday, true);
    await made(join(layout.goHeadStarts, 'old.json'), eightDaysAgo);
    await made(join(layout.goHeadStarts, 'recent.json'), yesterday);
    const work = await buildWorkDir(cache, '/src/app', ['.']);
    expect((await readdir(layout.builds)).sort()).toEqual(
      ['.head-start', '.swept', 'recentsource', work.slice(layout.builds.length + 1)].sort(),
    );
    expect(await readdir(layout.goHeadStarts)).toEqual(['recent.json']);
  });
});
