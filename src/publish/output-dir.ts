import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';

/** The folder under the module where builds land by default (`.minnow/<app>`). */
export const OUTPUT_DIR = '.minnow';

const GITIGNORE = '# Written by minnow: build outputs, not source. Delete the folder at will.\n*\n';

/**
 * Keeps `.minnow/` out of git: a `.gitignore` holding `*` inside it, written once when missing, so a default build
 * never makes the work tree dirty (ko and `git status` would report it) and the folder needs no entry in the
 * project's own `.gitignore`. A user's own `.minnow/.gitignore` is left as it is.
 */
export async function ignoreOutputDir(cwd = process.cwd()): Promise<void> {
  const file = join(cwd, OUTPUT_DIR, '.gitignore');
  if (
    await readFile(file).then(
      () => true,
      () => false,
    )
  )
    return;
  await writeFileAtomic(file, GITIGNORE);
}
