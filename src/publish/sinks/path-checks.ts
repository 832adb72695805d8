import { lstat, mkdtemp, open, readdir, readFile, rmdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { MinnowError } from '../../errors.js';

/** True when a file starts with a tar header (a tarball minnow or docker wrote). */
export async function isTarFile(file: string): Promise<boolean> {
  const fh = await open(file, 'r').catch(() => undefined);
  if (!fh) return false;
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    return bytesRead === 512 && head.toString('latin1', 257, 262) === 'ustar';
  } finally {
    await fh.close();
  }
}

/** True when `dir` holds an `oci-layout` marker. */
export async function isLayoutDir(dir: string): Promise<boolean> {
  return readFile(join(dir, 'oci-layout'), 'utf8').then(
    (t) => typeof (JSON.parse(t) as { imageLayoutVersion?: unknown }).imageLayoutVersion === 'string',
    () => false,
  );
}

/** The nearest existing ancestor of `path`, probed for writing by making and removing a directory in it. */
export async function probeWritable(path: string, value: string): Promise<void> {
  let dir = dirname(resolve(path));
  for (;;) {
    const info = await lstat(dir).catch(() => undefined);
    if (info) {
      if (!info.isDirectory()) {
        throw new MinnowError('OUTPUT_NOT_WRITABLE', `cannot write ${value}: ${dir} is not a directory`, {
          subject: path,
        });
      }
      break;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  try {
    await rmdir(await mkdtemp(join(dir, '.minnow-probe-')));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new MinnowError('OUTPUT_NOT_WRITABLE', `cannot write ${value}: ${dir} is not writable (${why})`, {
      subject: path,
      cause: err,
    });
  }
}

/**
 * Refuses a path that exists as something other than what the sink writes (OUTPUT_EXISTS) unless `force`, and
 * a place that cannot be written (OUTPUT_NOT_WRITABLE).
 */
export async function checkPath(
  path: string,
  value: string,
  what: { noun: string; sameKind: (path: string) => Promise<boolean> },
  force: boolean,
): Promise<void> {
  const info = await lstat(path).catch(() => undefined);
  if (info && !force && !(await what.sameKind(path))) {
    throw new MinnowError(
      'OUTPUT_EXISTS',
      `${path} exists and is not ${what.noun} (use --force to replace it)`,
      { subject: path },
    );
  }
  await probeWritable(path, value);
}

/** A directory that is empty or an OCI layout. */
export async function isLayoutOrEmpty(path: string): Promise<boolean> {
  const info = await lstat(path).catch(() => undefined);
  return !!info?.isDirectory() && ((await readdir(path)).length === 0 || (await isLayoutDir(path)));
}
