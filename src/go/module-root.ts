import { access } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/** The nearest directory at or above `dir` holding a go.mod, or undefined when there is none. */
export async function findModuleRoot(dir: string): Promise<string | undefined> {
  let cur = resolve(dir);
  for (;;) {
    const found = await access(join(cur, 'go.mod')).then(
      () => true,
      () => false,
    );
    if (found) return cur;
    const up = dirname(cur);
    if (up === cur) return undefined;
    cur = up;
  }
}
