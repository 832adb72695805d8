// The first part of the CLI to load: bin/minnow.cjs requires it (dist/cli-bundle/prelude.cjs, a few KB) before it
// reads the bundle of everything else (1.6 MB), so the go build this command line ran last time starts while that
// bundle loads: go then spawns ~25 ms sooner (at 35-40 ms after the process started on Node 24, where it spawned
// at 50-75 ms from inside the bundle). The bundle takes these modules from here (scripts/bundle-cli.mjs), not from
// copies of its own: one set of head starts, one MinnowError.
import { startHeadStart, type HeadStart } from '../go/head-start.js';
import { cacheLayout } from '../util/cache-layout.js';
import { VERSION } from '../version.js';

export * as errors from '../errors.js';
export * as headStart from '../go/head-start.js';
export * as runGo from '../go/run-go.js';

let early: { argv: string[]; headStart: HeadStart } | undefined;

const sameWords = (a: string[], b: string[]): boolean =>
  a.length === b.length && a.every((word, i) => word === b[i]);

/**
 * The head start of this command line (go/head-start.ts): the one `startEarly` started for the same `argv`, the
 * first time it is asked for, else a new one.
 */
export function cliHeadStart(argv: string[]): HeadStart {
  if (early && sameWords(early.argv, argv)) {
    const { headStart } = early;
    early = undefined;
    return headStart;
  }
  return startHeadStart({ argv, memoDir: cacheLayout().goHeadStarts, version: VERSION });
}

/**
 * Starts the head start of `argv` before anything else loads; settles once its go has spawned (or at once when
 * there is none). Never rejects: a failure here only means go starts later, from the bundle.
 */
export function startEarly(argv: string[]): Promise<void> {
  try {
    const headStart = cliHeadStart(argv);
    early = { argv: [...argv], headStart };
    return headStart.started.catch(() => undefined);
  } catch {
    return Promise.resolve();
  }
}
