import { readFileSync } from 'node:fs';
import { rm, utimes } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { GoRun, RunGoOptions, runGo, stopAll } from './run-go.js';

// Every command loads this file before anything else (cli/main.ts), most of them to find no memo: so it imports
// nothing more. node:crypto, node:child_process and the writer are loaded only once there is work for them.
const loadRunGo = (): Promise<{ runGo: typeof runGo; stopAll: typeof stopAll }> => import('./run-go.js');

/**
 * A head start for `go build`. The first go build a command line ran is remembered in minnow's cache (keyed by
 * the command line and its directory), and the next run of the same command line starts that go build again
 * before it loads the modules the command needs: Go then compiles while Node loads and checks, ~40 ms sooner.
 *
 * Sound because nothing is guessed: the build takes the running go over only when the go build it would start
 * is exactly the same (command, arguments, directory and the whole environment). Any other go build first stops
 * the head start and waits for it to exit, so the two never write the same files at once; a run that starts no
 * go build at all stops it before it ends. A wrong guess costs a few milliseconds of a go started for nothing.
 */

/** One go build as runGo starts it. */
export interface GoCall {
  go: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/**
 * What is remembered: the call, its environment as changes to the one the command ran in. Only the variables
 * minnow itself sets for a target are kept (none of them secret); a build with others (`--go-env`) is not
 * remembered, so no value from the user's environment is written to disk.
 */
interface Memo {
  go: string;
  args: string[];
  cwd: string;
  set: Record<string, string>;
  unset: string[];
}

/** The variables minnow sets for a build (go/platform-env.ts), the only ones a memo may set or unset. */
const MEMO_VARIABLES = new Set(['CGO_ENABLED', 'GOOS', 'GOARCH', 'GOARM', 'GOAMD64', 'GOTOOLCHAIN']);

/** One command run that may hold a head start and notes the go builds it starts. */
export interface HeadStart {
  /** What became of the head start: none was remembered, it was taken over, or stopped unused. */
  readonly outcome: 'none' | 'taken' | 'stopped';
  /**
   * Settles once the go build started ahead is running (or failed to start), at once when there is none: what
   * the command loads next waits for it, so go starts before that loading, not after it.
   */
  readonly started: Promise<void>;
  /**
   * Ends the run: stops a head start nothing took (and waits for it to exit), then remembers this run's first go
   * build for the next run of the same command line. Never throws: the memo only saves time.
   */
  finish(): Promise<void>;
}

export interface HeadStartOptions {
  /** `process.argv` of the command. */
  argv: string[];
  /** Where memos are kept (`<minnow cache>/build/.head-start`). */
  memoDir: string;
  /** Part of the key, so another minnow does not replay a memo of a different one. */
  version: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

interface Ahead {
  call: GoCall;
  result: Promise<GoRun>;
  spawned: Promise<void>;
  abort: AbortController;
}

interface Session {
  env: NodeJS.ProcessEnv;
  ahead: Ahead | undefined;
  outcome: HeadStart['outcome'];
  first: GoCall | undefined;
}

const noop = (): void => undefined;

/** The runs in progress (one in the CLI; tests may run several in one process). */
const sessions = new Set<Session>();

/**
 * 64 bits of FNV-1a (two 32-bit lanes) over the command line: a file name, not a proof (a memo is run only when
 * it is exactly the build asked for), so no cryptographic hash, whose module costs ~3 ms to load.
 */
function memoKey(text: string): string {
  let a = 0x811c9dc5;
  let b = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (a >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

function memoPath(options: HeadStartOptions, cwd: string): string {
  const key = memoKey(JSON.stringify([options.version, cwd, options.argv.slice(2)]));
  return join(options.memoDir, `${key}.json`);
}

/** The memo at `path` when it is one this code wrote (anything else is ignored, never run). */
function readMemo(path: string): Memo | undefined {
  let memo: Partial<Memo>;
  try {
    memo = JSON.parse(readFileSync(path, 'utf8')) as Partial<Memo>;
  } catch {
    return undefined;
  }
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
  if (
    typeof memo.go !== 'string' ||
    !isAbsolute(memo.go) ||
    typeof memo.cwd !== 'string' ||
    !isAbsolute(memo.cwd) ||
    !strings(memo.args) ||
    memo.args[0] !== 'build' ||
    !strings(memo.unset) ||
    typeof memo.set !== 'object' ||
    memo.set === null ||
    ![...Object.keys(memo.set), ...memo.unset].every((k) => MEMO_VARIABLES.has(k)) ||
    !Object.values(memo.set).every((v) => typeof v === 'string')
  ) {
    return undefined;
  }
  return memo as Memo;
}

function applyMemoEnv(env: NodeJS.ProcessEnv, memo: Memo): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, ...memo.set };
  for (const key of memo.unset) delete out[key];
  return out;
}

/** The memo of `call` made in `env`, or undefined when it would have to keep a variable outside MEMO_VARIABLES. */
function memoOf(call: GoCall, env: NodeJS.ProcessEnv): Memo | undefined {
  const set: Record<string, string> = {};
  const unset: string[] = [];
  for (const key of new Set([...Object.keys(env), ...Object.keys(call.env)])) {
    const was = env[key];
    const now = call.env[key];
    if (was === now) continue;
    if (!MEMO_VARIABLES.has(key)) return undefined;
    if (now === undefined) unset.push(key);
    else set[key] = now;
  }
  return { go: call.go, args: call.args, cwd: call.cwd, set, unset: unset.sort() };
}

function sameEnv(a: NodeJS.ProcessEnv, b: NodeJS.ProcessEnv): boolean {
  const defined = (e: NodeJS.ProcessEnv): string[] => Object.keys(e).filter((k) => e[k] !== undefined);
  const keys = defined(a);
  return keys.length === defined(b).length && keys.every((k) => a[k] === b[k]);
}

function sameCall(a: GoCall, b: GoCall): boolean {
  return (
    a.go === b.go &&
    a.cwd === b.cwd &&
    a.args.length === b.args.length &&
    a.args.every((arg, i) => arg === b.args[i]) &&
    sameEnv(a.env, b.env)
  );
}

/** Stops a head start and waits until go and what it started have exited and its temp files are gone. */
async function stopAhead(ahead: Ahead): Promise<void> {
  ahead.abort.abort();
  await ahead.result.catch(() => undefined);
}

/**
 * A go started ahead runs in a process group of its own (run-go.ts), which Ctrl-C at a terminal does not reach:
 * until something takes it over, a signal stops it too, then goes on as it would have: the command's own handler
 * when it has one, else the default (ending the process by that signal) once go has exited and its work files
 * are gone. Raised at once, the signal ended the process inside runGo's await, before it removed them.
 */
function stopOnSignals(ahead: Ahead): void {
  const names = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const kill = (): void => {
    ahead.abort.abort();
  };
  const handlers = names.map((name) => {
    const handler = (): void => {
      kill();
      for (const [n, h] of handlers) process.off(n, h);
      // The command's handler (which stops its build and cleans up) is called after this one.
      if (process.listenerCount(name) > 0) return;
      void ahead.result
        .catch(() => undefined)
        .then(loadRunGo)
        .then(({ stopAll }) => {
          // Any other go the command started meanwhile (go env, go list) is stopped and cleaned up too.
          stopAll();
          process.kill(process.pid, name);
        });
    };
    return [name, handler] as const;
  });
  for (const [n, h] of handlers) process.on(n, h);
  process.on('exit', kill);
  void ahead.result
    .catch(() => undefined)
    .then(() => {
      for (const [n, h] of handlers) process.off(n, h);
      process.off('exit', kill);
    });
}

/**
 * Starts the go build remembered for this command line, if there is one, and notes the go builds this run
 * starts (`runGoBuild`) until `finish()`. Synchronous: go starts as soon as run-go.ts has loaded, before the
 * command's own modules have.
 */
export function startHeadStart(options: HeadStartOptions): HeadStart {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const path = memoPath(options, cwd);
  const memo = readMemo(path);
  const session: Session = { env, ahead: undefined, outcome: 'none', first: undefined };
  if (memo) {
    const call: GoCall = { go: memo.go, args: memo.args, cwd: memo.cwd, env: applyMemoEnv(env, memo) };
    const abort = new AbortController();
    let spawned = (): void => undefined;
    const ahead: Ahead = {
      call,
      abort,
      spawned: new Promise<void>((resolve) => (spawned = resolve)),
      result: loadRunGo().then(({ runGo }) =>
        runGo(call.go, call.args, {
          cwd: call.cwd,
          env: call.env,
          signal: abort.signal,
          onSpawn: () => spawned(),
        }),
      ),
    };
    ahead.result.catch(() => undefined);
    stopOnSignals(ahead);
    session.ahead = ahead;
  }
  sessions.add(session);
  const ahead = session.ahead;
  const started = ahead ? Promise.race([ahead.spawned, ahead.result.then(noop, noop)]) : Promise.resolve();
  return {
    get outcome() {
      return session.outcome;
    },
    started,
    finish: async () => {
      sessions.delete(session);
      const ahead = session.ahead;
      if (ahead && session.outcome === 'none') {
        session.outcome = 'stopped';
        await stopAhead(ahead);
      }
      try {
        const next = session.first ? memoOf(session.first, env) : undefined;
        if (!next) {
          if (memo) await rm(path, { force: true });
        } else if (memo && JSON.stringify(next) === JSON.stringify(memo)) {
          // Kept fresh for the build directory's sweep of week-old entries.
          const now = new Date();
          await utimes(path, now, now);
        } else {
          const { writeFileAtomic } = await import('../util/atomic.js');
          await writeFileAtomic(path, JSON.stringify(next), 0o600);
        }
      } catch {
        // The next run starts go a little later; nothing else changes.
      }
    },
  };
}

/**
 * Runs a `go build` as runGo does, taking over a head start that is this very call. A head start that is a
 * different go build is stopped first, and awaited: the two would write into the same work directory.
 */
export async function runGoBuild(go: string, args: string[], options: RunGoOptions): Promise<GoRun> {
  const call: GoCall = { go, args, cwd: options.cwd, env: options.env };
  for (const session of sessions) {
    session.first ??= call;
    const ahead = session.ahead;
    if (!ahead || session.outcome !== 'none') continue;
    if (sameCall(ahead.call, call) && !options.signal?.aborted) {
      session.outcome = 'taken';
      const signal = options.signal;
      const forward = (): void => ahead.abort.abort();
      signal?.addEventListener('abort', forward, { once: true });
      void ahead.spawned.then(() => options.onSpawn?.());
      try {
        return await ahead.result;
      } finally {
        signal?.removeEventListener('abort', forward);
      }
    }
    session.outcome = 'stopped';
    await stopAhead(ahead);
  }
  const { runGo } = await loadRunGo();
  return runGo(go, args, options);
}
