import { open, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { MinnowError } from '../errors.js';

/**
 * Runs `fn` holding `<path>.lock` (created exclusively), so parallel minnow processes updating the same file
 * (an OCI layout's index.json) do not lose each other's entries. Waits at most `timeoutMs` (default 30 s); a lock
 * left by a killed process is taken over once older than `staleMs` (default 60 s).
 */
export async function withFileLock<T>(
  path: string,
  fn: () => Promise<T>,
  options: { timeoutMs?: number; staleMs?: number } = {},
): Promise<T> {
  const lock = `${path}.lock`;
  const until = Date.now() + (options.timeoutMs ?? 30_000);
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    try {
      await (await open(lock, 'wx')).close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > (options.staleMs ?? 60_000)) await rm(lock, { force: true });
      else if (Date.now() > until) {
        throw new MinnowError('OUTPUT_NOT_WRITABLE', `${path} is locked by another minnow (${lock})`, {
          subject: lock,
          hint: `if no other minnow is running, remove ${lock}`,
        });
      } else await sleep(delay);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}
