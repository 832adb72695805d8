/** A one-line progress display on stderr: a spinner on a terminal, nothing otherwise (logs stay clean). */
export interface Progress {
  update(message: string): void;
  /** Removes the line (before the summary or an error is printed). */
  stop(): void;
}

/** quiet: draw nothing; verbose: a timed line per step (as MINNOW_TIMING); normal: a spinner on a terminal. */
export type ProgressMode = 'normal' | 'quiet' | 'verbose';
let mode: ProgressMode = 'normal';

/** Set once per command run from `-q`/`--verbose` (cli/common-options.ts). */
export function setProgressMode(next: ProgressMode): void {
  mode = next;
}

/** True under `-q`: commands leave out informational lines too. */
export function isQuiet(): boolean {
  return mode === 'quiet';
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * A spinner when `stream` is a terminal with a known width and `enabled`, else a no-op; timestamped lines when
 * MINNOW_TIMING is set. It installs no signal handlers (an interrupted build must get to clean up its temp
 * files) and never wraps (the line is cut to the terminal's width), so clearing it is one escape sequence.
 */
export function createProgress(enabled: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (mode === 'quiet') return { update: () => undefined, stop: () => undefined };
  if (process.env.MINNOW_TIMING || mode === 'verbose') {
    // One line per step with the milliseconds since the process started: where a slow build spends its time.
    const line = (m: string): void =>
      void stream.write(`[${performance.now().toFixed(0).padStart(5)} ms] ${m}\n`);
    return { update: line, stop: () => line('done') };
  }
  if (!enabled || !stream.isTTY || !(stream.columns > 0))
    return { update: () => undefined, stop: () => undefined };
  let text = '';
  let frame = 0;
  let since = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const render = (): void => {
    // How long the current step has run: a slow compile or pull shows as time passing, not as a hang.
    const elapsed = ((performance.now() - since) / 1000).toFixed(1);
    const line = `${FRAMES[frame % FRAMES.length]} ${text} ${elapsed}s`;
    frame++;
    stream.write(`\r\x1b[2K${line.slice(0, Math.max(1, stream.columns - 1))}`);
  };
  return {
    update(message) {
      if (message !== text) since = performance.now();
      text = message;
      if (!timer) {
        timer = setInterval(render, 80);
        timer.unref();
      }
      render();
    },
    stop() {
      if (!timer) return;
      clearInterval(timer);
      timer = undefined;
      stream.write('\r\x1b[2K');
    },
  };
}
