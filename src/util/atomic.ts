import { randomBytes } from 'node:crypto';
import { rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { makeDirs } from './make-dirs.js';

/** A sibling temp path for `target`: same directory, so the final rename is atomic. */
export function tempPathFor(target: string): string {
  return join(
    dirname(target),
    `.${basename(target)}.minnow-${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  );
}

/**
 * Makes `dir` and its missing parents, returning an undo that removes what this call created (deepest first,
 * and only while empty), so a failed write leaves no empty directories behind either.
 */
async function makeParents(dir: string): Promise<() => Promise<void>> {
  const first = await makeDirs(dir);
  if (first === undefined) return async () => undefined;
  return async () => {
    const top = resolve(first);
    for (let d = resolve(dir); ; d = dirname(d)) {
      if (
        !(await rmdir(d).then(
          () => true,
          () => false,
        ))
      )
        return;
      if (d === top || relative(top, d).startsWith('..')) return;
    }
  };
}

/** Writes a file through a temp path and a rename: readers see the old file or the new one, never half of one. */
export async function writeFileAtomic(target: string, data: Buffer | string, mode?: number): Promise<void> {
  const undoParents = await makeParents(dirname(target));
  const tmp = tempPathFor(target);
  try {
    await writeFile(tmp, data, mode === undefined ? undefined : { mode });
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    await undoParents();
    throw err;
  }
}

/**
 * Runs `fill(tmp)` on a temp path next to `target` (a file or a directory) and renames it into place only when
 * `fill` succeeds; on failure or abort the temp path is removed, so nothing half-written is ever left behind.
 */
export async function withTempTarget<T>(target: string, fill: (tmp: string) => Promise<T>): Promise<T> {
  const undoParents = await makeParents(dirname(target));
  const tmp = tempPathFor(target);
  try {
    const result = await fill(tmp);
    await rename(tmp, target);
    return result;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    await undoParents();
    throw err;
  }
}
