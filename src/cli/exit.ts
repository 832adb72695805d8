import pc from './colors.js';
import { isMinnowError, messageOf, type ErrorCode } from '../errors.js';
import { escapeTerminal } from '../util/terminal.js';
import { signalExitCode } from './signals.js';

/**
 * Exit statuses: 1 a failure, 2 bad input (usage, arguments, config, a platform asked for that the image does not
 * have), 3 a policy check failed (--fail-on); an interrupted run exits 130 (SIGINT), 143 (SIGTERM) or 129
 * (SIGHUP), see signals.ts.
 */
export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'INVALID_ARGUMENT':
    case 'CONFIG_INVALID':
    case 'PLATFORM_NOT_FOUND':
    case 'KEY_INVALID':
      return 2;
    case 'POLICY_FAILED':
      return 3;
    default:
      return 1;
  }
}

/**
 * The one line (plus an optional hint line) a failure prints on stderr. Never includes secrets or stacks; what
 * came from an image or a registry (names, error messages) is escaped, so it cannot forge lines or move the cursor.
 */
export function formatError(err: unknown): string {
  if (isMinnowError(err)) {
    const hint = err.hint ? `\n${pc.dim(`hint: ${escapeTerminal(err.hint)}`)}` : '';
    return `${pc.red('error:')} ${escapeTerminal(err.message)}${hint}`;
  }
  return `${pc.red('error:')} ${escapeTerminal(systemMessage(err) ?? messageOf(err).split('\n')[0] ?? '')}`;
}

/** What the system errors a user can cause mean, in words. */
const SYSTEM_ERRORS: Record<string, string> = {
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  E2BIG: 'the argument list is too long for the system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  ENOENT: 'no such file or directory',
  ELOOP: 'too many levels of symbolic links',
};

/** `PATH: is a directory` for a Node system error, instead of `EISDIR: illegal operation on a directory, open ...`. */
function systemMessage(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException;
  const text = typeof e?.code === 'string' ? SYSTEM_ERRORS[e.code] : undefined;
  if (!text) return undefined;
  const path = e.path ?? (e as { dest?: string }).dest;
  return `${path ? `${path}: ` : `${e.syscall ?? 'system call'}: `}${text}`;
}

let pipeGuarded = false;

/**
 * A reader that stops early (`minnow lint --list-rules | head -1`) closes the pipe: end quietly instead of dying
 * with an EPIPE stack trace. Installed once per process.
 */
export function quietOnBrokenPipe(): void {
  if (pipeGuarded) return;
  pipeGuarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      throw err;
    });
  }
}

/** Reports a failure on stderr and returns the exit status. Set MINNOW_DEBUG=1 for the stack. */
export function reportError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  stderr.write(`${formatError(err)}\n`);
  if (process.env.MINNOW_DEBUG && err instanceof Error && err.stack) stderr.write(`${err.stack}\n`);
  return signalExitCode(err) ?? (isMinnowError(err) ? exitCodeFor(err.code) : 1);
}

/**
 * The compiler's own words say what is wrong: print them (on stderr, above minnow's one-line error) when a Go
 * build failed.
 */
export function printCompilerOutput(err: unknown, stderr: NodeJS.WritableStream = process.stderr): void {
  if (
    isMinnowError(err, 'GO_BUILD_FAILED') &&
    typeof err.details?.output === 'string' &&
    err.details.output
  ) {
    stderr.write(`${err.details.output}\n`);
  }
}
