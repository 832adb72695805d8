import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A sibling temp path for `target`: same directory, so the final rename is atomic. */
export function tempPathFor(target: string): string {
  return join(
    dirname(target),
    `.${basename(target)}.minnow-${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  );
}

/** Writes a file through a temp path and a rename: readers see the old file or the new one, never half of one. */
export async function writeFileAtomic(target: string, data: Buffer | string, mode?: number): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    await writeFile(tmp, data, mode === undefined ? undefined : { mode });
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Runs `fill(tmp)` on a temp path next to `target` (a file or a directory) and renames it into place only when
 * `fill` succeeds; on failure or abort the temp path is removed, so nothing half-written is ever left behind.
 */
export async function withTempTarget<T>(target: string, fill: (tmp: string) => Promise<T>): Promise<T> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    const result = await fill(tmp);
    await rename(tmp, target);
    return result;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
