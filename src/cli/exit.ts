import pc from './colors.js';
import { isMinnowError, messageOf, type ErrorCode } from '../errors.js';
import { signalExitCode } from './signals.js';

/**
 * Exit statuses: 1 a failure, 2 bad input (usage, arguments, config), 3 a policy check failed (--fail-on); an
 * interrupted run exits 130 (SIGINT) or 143 (SIGTERM), see signals.ts.
 */
export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'INVALID_ARGUMENT':
    case 'CONFIG_INVALID':
    case 'KEY_INVALID':
      return 2;
    case 'POLICY_FAILED':
      return 3;
    default:
      return 1;
  }
}

/** The one line (plus an optional hint line) a failure prints on stderr. Never includes secrets or stacks. */
export function formatError(err: unknown): string {
  if (isMinnowError(err)) {
    const hint = err.hint ? `\n${pc.dim(`hint: ${err.hint}`)}` : '';
    return `${pc.red('error:')} ${err.message}${hint}`;
  }
  return `${pc.red('error:')} ${messageOf(err).split('\n')[0]}`;
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
