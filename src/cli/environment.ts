import { MinnowError } from '../errors.js';
import { registryTimeouts } from '../registry/timeouts.js';
import { parseSize } from '../util/size.js';

/**
 * Settings minnow reads from the environment are checked before a command runs: a typo such as
 * `MINNOW_CACHE_MAX=lots` is one clear line and exit 2, not silently the default.
 */
export function checkEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  const max = env.MINNOW_CACHE_MAX?.trim();
  if (max) {
    try {
      parseSize(max);
    } catch (err) {
      throw new MinnowError('INVALID_ARGUMENT', `MINNOW_CACHE_MAX=${JSON.stringify(max)} is not a size`, {
        subject: 'MINNOW_CACHE_MAX',
        hint: 'give a size such as 5GB or 500MiB, or 0 for no bound',
        cause: err,
      });
    }
  }
  registryTimeouts({}, env);
}
