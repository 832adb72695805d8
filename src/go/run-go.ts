import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MinnowError } from '../errors.js';

export interface GoRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunGoOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Called once go is started (not when it cannot be). */
  onSpawn?: () => void;
}

/**
 * Runs the go command and collects its output. Never throws for a non-zero exit (callers turn the compiler's
 * words into the right error); throws ABORTED when `signal` fires and GO_NOT_FOUND when `go` cannot be started.
 *
 * go keeps its work files in a `go-build*` directory under GOTMPDIR and removes it only when it exits on its
 * own: one stopped by a signal (an aborted build) leaves it behind. So each run gets a GOTMPDIR of its own
 * (inside the caller's GOTMPDIR when set), removed once go has exited, however it exited.
 */
export async function runGo(go: string, args: string[], options: RunGoOptions): Promise<GoRun> {
  if (options.signal?.aborted) throw new MinnowError('ABORTED', 'build aborted');
  // Made synchronously (one system call): go starts in this turn of the event loop, not after whatever else
  // (a module loading) got the turn in between.
  const goTmp = mkdtempSync(join(options.env.GOTMPDIR || tmpdir(), 'minnow-go-'));
  const run: LiveRun = { goTmp, pid: undefined };
  live(run);
  try {
    return await spawnGo(go, args, {
      ...options,
      env: { ...options.env, GOTMPDIR: goTmp },
      onPid: (pid) => (run.pid = pid),
    });
  } finally {
    // The go-build files are go's own; a failure to remove them must not hide how go ended.
    await rm(goTmp, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }).catch(() => undefined);
    running.delete(run);
  }
}

/** A go under way: its process group (once spawned) and its GOTMPDIR. */
interface LiveRun {
  goTmp: string;
  pid: number | undefined;
}

const running = new Set<LiveRun>();
let exitHooked = false;

/**
 * Notes a run for `stopAll`, which the process's exit runs: a process that ends while go runs (process.exit, or
 * a signal re-raised once the head start was stopped) never reaches runGo's `finally`, and left go's process
 * group running and its work files behind (seen as empty `minnow-go-*` directories after a closed terminal).
 */
function live(run: LiveRun): void {
  running.add(run);
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', stopAll);
  }
}

/** Kills every go still running and removes its work files, synchronously (all that 'exit' allows). */
export function stopAll(): void {
  for (const run of running) {
    if (run.pid !== undefined) {
      try {
        process.kill(-run.pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    // Killed processes run no more system calls, but one under way (a file made) may finish: retried.
    try {
      rmSync(run.goTmp, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
    } catch {
      // Best effort on the way out.
    }
    running.delete(run);
  }
}

function spawnGo(
  go: string,
  args: string[],
  options: RunGoOptions & { onPid: (pid: number) => void },
): Promise<GoRun> {
  return new Promise((resolve, reject) => {
    // Its own process group, so an abort stops go and the compile/link processes it started: killing go alone
    // leaves them writing into its work directory after that directory was removed.
    const child = spawn(go, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    if (child.pid !== undefined) options.onPid(child.pid);
    child.once('spawn', () => options.onSpawn?.());
    const stop = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    child.once('close', () => options.signal?.removeEventListener('abort', stop));
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.once('error', (e: NodeJS.ErrnoException) => {
      reject(new MinnowError('GO_NOT_FOUND', `cannot run ${go}: ${e.message}`, { subject: go, cause: e }));
    });
    child.once('close', (code) => {
      if (options.signal?.aborted) {
        reject(new MinnowError('ABORTED', 'build aborted'));
        return;
      }
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** Splits the concatenated JSON objects `go list -json` prints into parsed values. */
export function parseJsonStream<T>(text: string): T[] {
  const values: T[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) values.push(JSON.parse(text.slice(start, i + 1)) as T);
    }
  }
  return values;
}
