import { createProgress, isQuiet, type Progress } from './progress.js';
import type { TransferProgress } from '../registry/progress.js';
import { createTransferRenderer } from './transfer-progress.js';

/** A command's progress: a spinner for its steps, plus per-layer bars (or lines) for what it pulls. */
export interface StepProgress extends Progress {
  /** A pull or push step, for `onProgress` in registry options. */
  transfer(event: TransferProgress): void;
}

/**
 * The spinner of `createProgress` and the bars of `createTransferRenderer` on one stream. On a TTY the bars take
 * the spinner's place while bytes move and stay on screen when the next step starts; otherwise one line per
 * transfer step (the spinner draws nothing there); nothing at all when disabled (`--quiet`, `--json`).
 */
export function createStepProgress(
  enabled: boolean,
  stream: NodeJS.WriteStream = process.stderr,
): StepProgress {
  const spinner = createProgress(enabled, stream);
  const bars = createTransferRenderer(enabled && !isQuiet(), stream);
  let transferring = false;
  const settle = (): void => {
    if (!transferring) return;
    bars.keep();
    transferring = false;
  };
  return {
    update(message) {
      settle();
      spinner.update(message);
    },
    transfer(event) {
      if (!transferring && stream.isTTY) spinner.stop();
      transferring = true;
      bars.onProgress(event);
    },
    stop() {
      spinner.stop();
      settle();
    },
  };
}
