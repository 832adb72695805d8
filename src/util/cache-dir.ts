import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * minnow's cache directory: `$MINNOW_CACHE_DIR`, else `$XDG_CACHE_HOME/minnow`, else `~/.cache/minnow`.
 * Everything kept there is content-addressed or disposable, so deleting it is always safe.
 */
export function minnowCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MINNOW_CACHE_DIR) return env.MINNOW_CACHE_DIR;
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'minnow');
  return join(homedir(), '.cache', 'minnow');
}
