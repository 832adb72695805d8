import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { reportError } from './exit.js';

const require = createRequire(import.meta.url);
const { version } = require('../../package.json') as { version: string };

/**
 * Each command lives in its own file under commands/ and exports `register(program)`; this list is the only place
 * that names them all.
 */
const COMMANDS: Record<string, () => Promise<{ register(program: Command): void }>> = {
  build: () => import('./commands/build.js'),
  login: () => import('./commands/login.js'),
  push: () => import('./commands/push.js'),
  analyze: () => import('./commands/analyze.js'),
  sbom: () => import('./commands/sbom.js'),
  compare: () => import('./commands/compare.js'),
  dockerfile: () => import('./commands/dockerfile.js'),
  lint: () => import('./commands/lint.js'),
};

/**
 * Builds the program with the named commands registered, every one by default (exported for tests and for
 * `--help` docs).
 */
export async function createProgram(names: string[] = Object.keys(COMMANDS)): Promise<Command> {
  const program = new Command('minnow')
    .description(
      'Build the smallest, safest container image for a Go app, without a Docker daemon, and measure it.',
    )
    .version(version)
    .showHelpAfterError()
    .exitOverride();
  for (const name of names) await COMMANDS[name]?.().then((m) => m.register(program));
  return program;
}

/** Runs the CLI; returns the exit status instead of exiting, so it can be tested in-process. */
export async function main(argv: string[]): Promise<number> {
  // Load only the command being run: each command module pulls in its own dependencies (registry client,
  // analyzers…), and `minnow build` should not wait for all of them to load before Go starts compiling.
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  const program = await createProgram(first && first in COMMANDS ? [first] : undefined);
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
