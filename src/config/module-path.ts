import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { MinnowError } from '../errors.js';

/** The module path declared in `dir/go.mod`. Throws NOT_A_MODULE when there is no go.mod. */
export async function readModulePath(dir: string): Promise<string> {
  const file = join(dir, 'go.mod');
  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    throw new MinnowError('NOT_A_MODULE', `${dir} is not a Go module root (no go.mod)`, {
      subject: dir,
      cause: err,
    });
  });
  const match = /^\s*module\s+("?)([^\s"]+)\1\s*(\/\/.*)?$/m.exec(text);
  if (!match?.[2]) throw new MinnowError('NOT_A_MODULE', `${file} has no module line`, { subject: file });
  return match[2];
}

/**
 * The import path a package argument names: `.` and `./cmd/app` are relative to the module root; anything else is
 * already an import path. Throws INVALID_ARGUMENT for a relative path that leaves the module.
 */
export function importPathOf(pkg: string, modulePath: string): string {
  const p = pkg.replace(/\/+$/, '') || '.';
  if (p !== '.' && p !== '..' && !p.startsWith('./') && !p.startsWith('../')) return p;
  const rel = posix.normalize(p);
  if (rel === '..' || rel.startsWith('../')) {
    throw new MinnowError('INVALID_ARGUMENT', `package ${pkg} is outside the module ${modulePath}`, {
      subject: pkg,
    });
  }
  return rel === '.' ? modulePath : `${modulePath}/${rel}`;
}

export { findModuleRoot } from '../go/module-root.js';
