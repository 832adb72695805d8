import { MinnowError } from '../errors.js';

/** Exit statuses of a run stopped by a signal, as a shell reports them (128 + the signal's number). */
export const SIGNAL_EXIT: Readonly<Record<'SIGINT' | 'SIGTERM', number>> = { SIGINT: 130, SIGTERM: 143 };

/** SIGINT and SIGTERM caught for one command run. */
export interface SignalTrap {
  /** Aborted by the first SIGINT or SIGTERM: pass it to the library call. */
  readonly signal: AbortSignal;
  /** When a signal came: the one ABORTED error to report instead of `err` (details.signal names it). */
  interrupted(err?: unknown): MinnowError | undefined;
  /** Stops catching (a later signal ends the process as usual). */
  release(): void;
}

/**
 * Turns the first SIGINT or SIGTERM into an abort of `signal`, so the library call stops and its temp + rename
 * writers remove what they started: nothing half-written is left. A second signal is not caught and ends the
 * process at once, as the user asked twice.
 */
export function trapSignals(): SignalTrap {
  const controller = new AbortController();
  let received: 'SIGINT' | 'SIGTERM' | undefined;
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((name) => {
    const handler = (): void => {
      received ??= name;
      controller.abort(new MinnowError('ABORTED', `interrupted by ${name}`));
    };
    process.once(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    interrupted: (err) =>
      received
        ? new MinnowError('ABORTED', `interrupted by ${received}`, {
            details: { signal: received },
            ...(err !== undefined ? { cause: err } : {}),
          })
        : undefined,
    release: () => {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}

/**
 * Runs `fn` with the signal of `trapSignals()`; when a signal came, whatever `fn` ended with becomes the one
 * ABORTED error (the CLI exits 130 for SIGINT, 143 for SIGTERM).
 */
export async function withSignals<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const trap = trapSignals();
  try {
    const result = await fn(trap.signal);
    const stopped = trap.interrupted();
    if (stopped) throw stopped;
    return result;
  } catch (err) {
    throw trap.interrupted(err) ?? err;
  } finally {
    trap.release();
  }
}

/** The exit status for the error of an interrupted run (130, 143), else undefined. */
export function signalExitCode(err: unknown): number | undefined {
  if (!(err instanceof MinnowError) || err.code !== 'ABORTED') return undefined;
  const signal = err.details?.signal;
  return signal === 'SIGINT' || signal === 'SIGTERM' ? SIGNAL_EXIT[signal] : undefined;
}
