import { Command, CommanderError, Help, type Option } from 'commander';
import { createRequire } from 'node:module';
import { reportError } from './exit.js';

const require = createRequire(import.meta.url);
const { version } = require('../../package.json') as { version: string };

type CommandModule = { register(program: Command): void };

/**
 * Each command lives in its own file under commands/ and exports `register(program)`; this table is the only place
 * that names them all. It is keyed by the command names a module registers, so a run loads only the module of the
 * command it runs: importing every command (undici, zod, the analyzers) would cost most of a second per start.
 */
const COMMANDS: Array<[names: string[], load: () => Promise<CommandModule>]> = [
  [['build'], () => import('./commands/build.js')],
  [['resolve'], () => import('./commands/resolve.js')],
  [['apply'], () => import('./commands/apply.js')],
  [['login', 'logout'], () => import('./commands/login.js')],
  [['push'], () => import('./commands/push.js')],
  [['analyze'], () => import('./commands/analyze.js')],
  [['sbom'], () => import('./commands/sbom.js')],
  [['compare'], () => import('./commands/compare.js')],
  [['diff'], () => import('./commands/diff.js')],
  [['dockerfile'], () => import('./commands/dockerfile.js')],
  [['lint'], () => import('./commands/lint.js')],
  [['cache'], () => import('./commands/cache.js')],
];

/**
 * Builds the program. With `only`, just the module that registers that command is loaded (when one does);
 * otherwise every command is registered, as `--help` needs.
 */
export async function createProgram(only?: string | null): Promise<Command> {
  const program = new Command('minnow')
    .description(
      'Build the smallest, safest container image for a Go app, without a Docker daemon, and measure it.',
    )
    .version(version)
    .showHelpAfterError()
    .configureHelp({ optionDescription: describeOption })
    .exitOverride();
  // null: no command at all is needed (minnow --version).
  const match = only ? COMMANDS.find(([names]) => names.includes(only)) : undefined;
  const load = only === null ? [] : match ? [match] : COMMANDS;
  for (const [, register] of load) (await register()).register(program);
  return program;
}

/** Help text of an option, without the "(default: [])" commander adds to every repeatable one. */
function describeOption(option: Option): string {
  if (Array.isArray(option.defaultValue) && option.defaultValue.length === 0) return option.description;
  return new Help().optionDescription(option);
}

/**
 * At most hourly, prune minnow's cache down to its budget (MINNOW_CACHE_MAX, default 5 GB). Done here, after a
 * command has written all its outputs, so a prune never takes a blob the command is still about to read; a
 * failure to prune never fails the command.
 */
async function keepCacheBounded(): Promise<void> {
  try {
    const [{ boundCache }, { minnowCacheDir }] = await Promise.all([
      import('../util/cache-prune.js'),
      import('../util/cache-dir.js'),
    ]);
    await boundCache(minnowCacheDir());
  } catch {
    // The cache is an optimization: a run that did its work succeeds whatever the prune says.
  }
}

/** Runs the CLI; returns the exit status instead of exiting, so it can be tested in-process. */
export async function main(argv: string[]): Promise<number> {
  // Global options (-h, -V) come before the command, so the command is the first word that is not a flag.
  const command = argv.slice(2).find((a) => !a.startsWith('-'));
  const versionOnly = !command && argv.slice(2).some((a) => a === '-V' || a === '--version');
  const program = await createProgram(versionOnly ? null : command);
  try {
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
