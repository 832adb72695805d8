import { VERSION } from '../version.js';
import { cacheLayout } from '../util/cache-layout.js';

/**
 * At most hourly, prune minnow's cache down to its budget (MINNOW_CACHE_MAX, default 5 GB). Done here, after a
 * command has written all its outputs, so a prune never takes a blob the command is still about to read; a
 * failure to prune never fails the command.
 */
async function keepCacheBounded(): Promise<void> {
  try {
    const [{ boundCache }, { minnowCacheDir }] = await Promise.all([
      import('../util/cache-prune.js'),
      import('../util/cache-layout.js'),
    ]);
    await boundCache(minnowCacheDir());
  } catch {
    // The cache is an optimization: a run that did its work succeeds whatever the prune says.
  }
}

/** Commands whose first step is reading an image, which the analysis worker hashes and attributes. */
const READS_IMAGES = new Set(['analyze', 'sbom', 'diff']);

/**
 * Runs the CLI; returns the exit status instead of exiting, so it can be tested in-process. Only what a run needs
 * is loaded: `minnow --version` loads nothing more than this file, a command only its own module (program.ts).
 */
export async function main(argv: string[]): Promise<number> {
  const words = argv.slice(2);
  if (words.length === 1 && (words[0] === '-V' || words[0] === '--version')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  // The go build this command line ran last time starts now, while the command's modules load (go/head-start.ts);
  // under bin/minnow.cjs it started already, before this bundle loaded (prelude.ts).
  const { cliHeadStart } = await import('./prelude.js');
  const layout = cacheLayout();
  const headStart = cliHeadStart(argv);
  try {
    // Blobs pushed or pulled by earlier runs are mounted, not sent again, by a push to another repository.
    // Loaded once go has been started: nothing here may delay that (loading it, node:crypto among it, while the
    // head start's spawn waited its turn in the microtask queue put go ~8 ms later).
    await headStart.started;
    const { blobOrigins } = await import('../registry/origins.js');
    blobOrigins.keepIn(layout.blobOrigins);
    try {
      return await runCommand(argv, words);
    } finally {
      await blobOrigins.save();
    }
  } finally {
    await headStart.finish();
  }
}

/** Loads the command `words` names and runs it. */
async function runCommand(argv: string[], words: string[]): Promise<number> {
  // Global options (-h, -V) come before the command, so the command is the first word that is not a flag.
  const at = words.findIndex((a) => !a.startsWith('-'));
  const command = at < 0 ? undefined : words[at];
  const isHelp = (a: string): boolean => a === '-h' || a === '--help';
  const versionOnly = !command && words.some((a) => a === '-V' || a === '--version');
  if (command && READS_IMAGES.has(command) && !words.some(isHelp)) {
    // Its ~150 ms of start-up then overlap this thread's loading of the command (warm again later is a no-op).
    // A failure here is the command's to report, when openImage warms it again.
    void import('../analyze/analysis-pool.js').then((m) => m.analysisPool()?.warm()).catch(() => undefined);
  }
  const [
    { createProgram, createTopLevelHelpProgram },
    { CommanderError },
    { quietOnBrokenPipe, reportError },
    { checkEnvironment },
  ] = await Promise.all([
    import('./program.js'),
    import('commander'),
    import('./exit.js'),
    import('./environment.js'),
  ]);
  // `minnow lint --list-rules | head -1`: a closed pipe ends the run quietly, not with an EPIPE trace.
  quietOnBrokenPipe();
  // Only the list of commands is shown: no command named (`minnow`, `minnow --help`, `minnow help`), or the help
  // flag before it (`minnow --help build` is the top-level help, which must list every command, not just build).
  const helpOnly =
    !versionOnly &&
    (command === undefined || words.slice(0, at).some(isHelp) || (command === 'help' && words.length === 1));
  const program = helpOnly
    ? await createTopLevelHelpProgram()
    : await createProgram(versionOnly ? null : command);
  try {
    checkEnvironment();
    await program.parseAsync(argv);
    await keepCacheBounded();
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed its message (or the help text).
      return err.exitCode === 0 ? 0 : 2;
    }
    return reportError(err);
  }
}
