/**
 * The one error type minnow throws. Every failure carries a stable `code` from a closed set, so callers (and the
 * CLI's exit status) can tell kinds apart without parsing messages, plus the thing that failed and the original
 * `cause`.
 */
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'GO_NOT_FOUND',
  'NOT_A_MODULE',
  'NO_MAIN_PACKAGE',
  'GO_BUILD_FAILED',
  'CGO_REQUIRED',
  'OUTPUT_EXISTS',
  'OUTPUT_NOT_WRITABLE',
  'DIGEST_MISMATCH',
  'INVALID_IMAGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'PLATFORM_NOT_FOUND',
  'UNSAFE_PATH',
  'LIMIT_EXCEEDED',
  'REGISTRY_ERROR',
  'UNAUTHORIZED',
  'DENIED',
  'NETWORK',
  'DAEMON_ERROR',
  'OFFLINE_MISSING',
  'POLICY_FAILED',
  'KEY_INVALID',
  'CONFIG_INVALID',
  'NOT_REPRODUCIBLE',
  'ABORTED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface MinnowErrorOptions {
  /** What failed: a path, a reference, a package. Shown by the CLI next to the message. */
  subject?: string;
  /** The original failure. */
  cause?: unknown;
  /** A short hint on what to do about it. */
  hint?: string;
  /** Extra machine-readable detail (for example a registry's error codes). */
  details?: Record<string, unknown>;
}

export class MinnowError extends Error {
  readonly code: ErrorCode;
  readonly subject: string | undefined;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: MinnowErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MinnowError';
    this.code = code;
    this.subject = options.subject;
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** True when `err` is a MinnowError, optionally of one of the given codes. */
export function isMinnowError(err: unknown, ...codes: ErrorCode[]): err is MinnowError {
  return err instanceof MinnowError && (codes.length === 0 || codes.includes(err.code));
}

/** The message of any thrown value, for wrapping foreign errors. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
