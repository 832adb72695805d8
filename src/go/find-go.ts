import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { MinnowError } from '../errors.js';

export interface FindGoOptions {
  /** An explicit `go` binary (`--go PATH`); when set, nothing else is tried. */
  goPath?: string;
  /** Environment to search (PATH, GOROOT). Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
}

// Synchronous: a stat or two per PATH entry costs microseconds, and each await before go starts is a turn of the
// event loop that something else (a module loading) may hold for milliseconds.
function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the `go` command: `goPath` when given, else `go` on PATH, else `$GOROOT/bin/go`, else
 * `/usr/local/go/bin/go` (where the official tarball installs it, often not on PATH in scripts).
 * Throws GO_NOT_FOUND naming every place it looked.
 */
export async function findGo(options: FindGoOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  if (options.goPath) {
    if (isExecutable(options.goPath)) return options.goPath;
    throw new MinnowError('GO_NOT_FOUND', `${options.goPath} is not an executable go command`, {
      subject: options.goPath,
    });
  }
  const candidates: string[] = [];
  for (const dir of (env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, 'go'));
  if (env.GOROOT) candidates.push(join(env.GOROOT, 'bin', 'go'));
  candidates.push('/usr/local/go/bin/go');
  for (const candidate of candidates) if (isExecutable(candidate)) return candidate;
  throw new MinnowError(
    'GO_NOT_FOUND',
    'the go command was not found on PATH, in $GOROOT/bin or /usr/local/go/bin',
    {
      hint: 'install Go (https://go.dev/dl/) or pass --go /path/to/go',
    },
  );
}
