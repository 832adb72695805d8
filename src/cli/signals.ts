import { MinnowError } from '../errors.js';

/**
 * Exit statuses of a run stopped by a signal, as a shell reports them (128 + the signal's number). SIGHUP is a
 * closed terminal or a dropped ssh session: a build stopped that way cleans up as one stopped by Ctrl-C does.
 */
export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/** The signals a command run catches. */
export type StopSignal = keyof typeof SIGNAL_EXIT;

const STOP_SIGNALS = Object.keys(SIGNAL_EXIT) as StopSignal[];

/** SIGINT, SIGTERM and SIGHUP caught for one command run. */
export interface SignalTrap {
  /** Aborted by the first SIGINT, SIGTERM or SIGHUP: pass it to the library call. */
  readonly signal: AbortSignal;
  /** When a signal came: the one ABORTED error to report instead of `err` (details.signal names it). */
  interrupted(err?: unknown): MinnowError | undefined;
  /** Stops catching (a later signal ends the process as usual). */
  release(): void;
}

/**
 * Turns the first SIGINT, SIGTERM or SIGHUP into an abort of `signal`, so the library call stops and its temp + rename
 * writers remove what they started: nothing half-written is left. A second signal is not caught and ends the
 * process at once, as the user asked twice.
 */
export function trapSignals(): SignalTrap {
  const controller = new AbortController();
  let received: StopSignal | undefined;
  const handlers = STOP_SIGNALS.map((name) => {
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
 * ABORTED error (the CLI exits 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP).
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

/** The exit status for the error of an interrupted run (130, 143, 129), else undefined. */
export function signalExitCode(err: unknown): number | undefined {
  if (!(err instanceof MinnowError) || err.code !== 'ABORTED') return undefined;
  const signal = err.details?.signal;
  return STOP_SIGNALS.includes(signal as StopSignal) ? SIGNAL_EXIT[signal as StopSignal] : undefined;
}
