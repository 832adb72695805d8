import pc from './colors.js';
import { formatBytes } from '../util/size.js';
import type { TransferProgress } from '../registry/progress.js';

/** Renders per-blob pull/push progress; `stop()` clears what it drew. */
export interface TransferRenderer {
  onProgress(event: TransferProgress): void;
  stop(): void;
  /** Leaves what was drawn on screen and starts afresh below it (a later event draws new rows). */
  keep(): void;
}

function short(digest: string): string {
  return digest.slice(7, 19);
}

const WORDS: Record<TransferProgress['status'], string> = {
  start: 'started',
  progress: '',
  done: 'done',
  exists: 'already there',
  mounted: 'mounted',
  cached: 'from cache',
  retry: 'retrying',
};

/**
 * Per-layer progress: on a TTY one bar per blob redrawn in place (at most ~10 times a second); otherwise one
 * line per step (start, done, skipped); nothing at all when disabled (`--quiet`, `--json`).
 */
export function createTransferRenderer(
  enabled: boolean,
  stream: NodeJS.WriteStream = process.stderr,
): TransferRenderer {
  if (!enabled) return { onProgress: () => undefined, stop: () => undefined, keep: () => undefined };
  if (!stream.isTTY) {
    return {
      onProgress(e) {
        if (e.status === 'progress') return;
        stream.write(
          `${e.direction} ${e.kind} ${short(e.digest)} ${formatBytes(e.total)}: ${WORDS[e.status]}\n`,
        );
      },
      stop: () => undefined,
      keep: () => undefined,
    };
  }
  const rows = new Map<string, TransferProgress>();
  let drawn = 0;
  let last = 0;
  const width = 24;
  const draw = (force: boolean): void => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    const lines = [...rows.values()].map((e) => {
      const frac = e.total > 0 ? Math.min(1, e.done / e.total) : 1;
      const filled = Math.round(frac * width);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      const word =
        e.status === 'progress' || e.status === 'start'
          ? `${formatBytes(e.done)}/${formatBytes(e.total)}`
          : WORDS[e.status];
      return `${pc.dim(e.direction)} ${e.kind.padEnd(8)} ${short(e.digest)} ${bar} ${word}`;
    });
    let out = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const line of lines) out += `\r\x1b[2K${line}\n`;
    stream.write(out);
    drawn = lines.length;
  };
  return {
    onProgress(e) {
      rows.set(`${e.direction} ${e.digest}`, e);
      draw(e.status !== 'progress');
    },
    stop() {
      if (drawn > 0) stream.write(`\x1b[${drawn}A${'\r\x1b[2K\n'.repeat(drawn)}\x1b[${drawn}A`);
      drawn = 0;
    },
    keep() {
      if (drawn > 0) draw(true);
      drawn = 0;
      rows.clear();
    },
  };
}
