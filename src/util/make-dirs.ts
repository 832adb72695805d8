import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { MinnowError } from '../errors.js';

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/**
 * `mkdir -p`: makes `dir` and its missing parents, returning the first directory it created (undefined when all
 * existed), as `mkdir(dir, { recursive: true })` does. Node's recursive mkdir spins forever at 100 % CPU where
 * the file system answers ENOENT for a parent that exists (/proc); this walks up once and down once, and a
 * directory that another process creates at the same moment is fine.
 */
export async function makeDirs(dir: string): Promise<string | undefined> {
  const missing: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    const st = await stat(d).catch((err: unknown) => {
      if (code(err) === 'ENOENT') return undefined;
      throw err;
    });
    if (st) {
      if (!st.isDirectory()) {
        throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), {
          code: 'ENOTDIR',
          syscall: 'mkdir',
          path: d,
        });
      }
      break;
    }
    missing.push(d);
    if (dirname(d) === d) break;
  }
  let first: string | undefined;
  for (const d of missing.reverse()) {
    try {
      await mkdir(d);
      first ??= d;
    } catch (err) {
      if (code(err) === 'EEXIST' && (await stat(d)).isDirectory()) continue;
      if (code(err) === 'ENOENT') {
        throw new MinnowError(
          'OUTPUT_NOT_WRITABLE',
          `cannot create directory ${d}: the file system does not allow it`,
          {
            subject: d,
            cause: err,
          },
        );
      }
      throw err;
    }
  }
  return first;
}
