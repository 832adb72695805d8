import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { reportError } from './exit.js';

const require = createRequire(import.meta.url);
const { version } = require('../../package.json') as { version: string };

/**
 * Each command lives in its own file under commands/ and exports `register(program)`; this list is the only place
 * that names them all.
 */
const COMMANDS: Array<() => Promise<{ register(program: Command): void }>> = [
  () => import('./commands/build.js'),
  () => import('./commands/resolve.js'),
  () => import('./commands/apply.js'),
  () => import('./commands/login.js'),
  () => import('./commands/push.js'),
  () => import('./commands/analyze.js'),
  () => import('./commands/sbom.js'),
  () => import('./commands/compare.js'),
  () => import('./commands/dockerfile.js'),
  () => import('./commands/lint.js'),
];

/** Builds the program with every command registered (exported for tests and for `--help` docs). */
export async function createProgram(): Promise<Command> {
  const program = new Command('minnow')
    .description(
      'Build the smallest, safest container image for a Go app, without a Docker daemon, and measure it.',
    )
    .version(version)
    .showHelpAfterError()
    .exitOverride();
  for (const load of COMMANDS) (await load()).register(program);
  return program;
}

/** Runs the CLI; returns the exit status instead of exiting, so it can be tested in-process. */
export async function main(argv: string[]): Promise<number> {
  const program = await createProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed its message (or the help text).
      return err.exitCode === 0 ? 0 : 2;
    }
    return reportError(err);
  }
}
