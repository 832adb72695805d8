import { setTimeout as sleep } from 'node:timers/promises';
import { MinnowError } from '../errors.js';

/** How a transport retries. */
export interface RetryPolicy {
  /** Retries after the first attempt. Default 5. */
  retries: number;
  /** First backoff delay in ms; doubles each attempt. Default 250. */
  baseDelayMs: number;
  /** Upper bound of one backoff delay (and of a honoured Retry-After) in ms. Default 30 000. */
  maxDelayMs: number;
}

/** Five retries, from 250 ms doubling with jitter, capped at 30 s. */
export const DEFAULT_RETRY: RetryPolicy = { retries: 5, baseDelayMs: 250, maxDelayMs: 30_000 };

/** Statuses worth another try: rate limiting and server-side failures. */
export function isRetriableStatus(status: number): boolean {
  return (
    status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504
  );
}

const RETRIABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'MINNOW_CONNECT_TIMEOUT',
  'MINNOW_HEADERS_TIMEOUT',
  'MINNOW_BODY_TIMEOUT',
]);

/** The error code of a low-level failure, looking through `cause` chains. */
export function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 5 && e; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && !(e instanceof MinnowError)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True for connection-level failures (refused, reset, timed out) that a retry may cure. */
export function isRetriableError(err: unknown): boolean {
  if (err instanceof MinnowError) return err.code === 'NETWORK' && err.details?.retriable === true;
  const code = errorCode(err);
  return code !== undefined && RETRIABLE_CODES.has(code);
}

/**
 * Parses Retry-After (delta seconds or an HTTP date) into milliseconds from now; undefined when absent or
 * unparseable.
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Exponential backoff with jitter (50–100% of the step), or the server's Retry-After, capped by the policy. */
export function backoffDelay(attempt: number, policy: RetryPolicy, retryAfterMs?: number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const jittered = step * (0.5 + Math.random() * 0.5);
  if (retryAfterMs !== undefined) return Math.min(policy.maxDelayMs, Math.max(retryAfterMs, jittered / 4));
  return jittered;
}

/** Waits `ms`, failing with ABORTED when `signal` fires. */
export async function waitFor(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (err) {
    if (signal?.aborted) throw new MinnowError('ABORTED', 'cancelled', { cause: err });
    throw err;
  }
}
