import { createSpinner, type Spinner } from 'nanospinner';

/** A one-line progress display on stderr: a spinner on a terminal, nothing otherwise (logs stay clean). */
export interface Progress {
  update(message: string): void;
  /** Removes the line (before the summary or an error is printed). */
  stop(): void;
}

/** A spinner when `stream` is a TTY and `enabled`, else a no-op. */
export function createProgress(enabled: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
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
