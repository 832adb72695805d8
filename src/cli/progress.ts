import { createSpinner, type Spinner } from 'nanospinner';

/** A one-line progress display on stderr: a spinner on a terminal, nothing otherwise (logs stay clean). */
export interface Progress {
  update(message: string): void;
  /** Removes the line (before the summary or an error is printed). */
  stop(): void;
}

/** A spinner when `stream` is a TTY and `enabled`, else a no-op; timestamped lines when MINNOW_TIMING is set. */
export function createProgress(enabled: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (process.env.MINNOW_TIMING) {
    // One line per step with the milliseconds since the process started: where a slow build spends its time.
    const line = (m: string): void =>
      void stream.write(`[${performance.now().toFixed(0).padStart(5)} ms] ${m}\n`);
    return { update: line, stop: () => line('done') };
  }
  if (!enabled || !stream.isTTY) return { update: () => undefined, stop: () => undefined };
  let spinner: Spinner | undefined;
  return {
    update(message) {
      if (!spinner) spinner = createSpinner(message, { stream }).start();
      else spinner.update({ text: message });
    },
    stop() {
      spinner?.clear();
      spinner?.stop();
      spinner = undefined;
    },
  };
}
