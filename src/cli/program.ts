import { Command, Help, type Option } from 'commander';
import { VERSION } from '../version.js';
import { addCommonOptions } from './common-options.js';
import { bundledCommandIndex, registerIndex, type IndexedCommand } from './command-index.js';
import { addHelpTexts } from './help.js';

type CommandModule = { register(program: Command): void };

/**
 * Each command lives in its own file under commands/ and exports `register(program)`; this table is the only place
 * that names them all. It is keyed by the command names a module registers, so a run loads only the module of the
 * command it runs: importing every command (undici, zod, the analyzers) would cost most of a second per start.
 */
const COMMANDS: Array<[names: string[], load: () => Promise<CommandModule>]> = [
  [['build'], () => import('./commands/build.js')],
  [['resolve'], () => import('./commands/resolve.js')],
  [['apply', 'create', 'delete'], () => import('./commands/apply.js')],
  [['run'], () => import('./commands/run.js')],
  [['login', 'logout'], () => import('./commands/login.js')],
  [['push'], () => import('./commands/push.js')],
  [['analyze'], () => import('./commands/analyze.js')],
  [['sbom'], () => import('./commands/sbom.js')],
  [['verify', 'attestations', 'generate-key-pair'], () => import('./commands/attest.js')],
  [['compare'], () => import('./commands/compare.js')],
  [['diff'], () => import('./commands/diff.js')],
  [['dockerfile'], () => import('./commands/dockerfile.js')],
  [['lint'], () => import('./commands/lint.js')],
  [['cache'], () => import('./commands/cache.js')],
  [['completion'], () => import('./commands/completion.js')],
  [['debug'], () => import('./commands/debug.js')],
];

/**
 * Builds the program. With `only`, just the module that registers that command is loaded (when one does);
 * otherwise every command is registered.
 */
export async function createProgram(only?: string | null): Promise<Command> {
  const match = only ? COMMANDS.find(([names]) => names.includes(only)) : undefined;
  // null: no command at all is needed (minnow --version).
  return programOf(only === null ? [] : match ? [match] : COMMANDS);
}

/**
 * The program for a command line that only shows the top-level help: the bundle's command index stands in for
 * the command modules where there is one (command-index.ts), else every command is registered.
 */
export async function createTopLevelHelpProgram(): Promise<Command> {
  const index = bundledCommandIndex();
  return programOf(index ? [] : COMMANDS, index);
}

async function programOf(load: typeof COMMANDS, index?: IndexedCommand[]): Promise<Command> {
  const program = new Command('minnow')
    .description(
      'Build the smallest, safest container image for a Go app, without a Docker daemon, and measure it.',
    )
    .version(VERSION)
    // A mistake prints commander's one-line error (with its "Did you mean …?") and a pointer, not 40 lines of help.
    .showHelpAfterError('(run `minnow --help` for the commands, `minnow COMMAND --help` for their options)')
    .configureHelp({ optionDescription: describeOption })
    .exitOverride();
  if (index) registerIndex(program, index);
  for (const [, register] of load) (await register()).register(program);
  addCommonOptions(program);
  addHelpTexts(program);
  return program;
}

/** Help text of an option, without the "(default: [])" commander adds to every repeatable one. */
function describeOption(option: Option): string {
  if (Array.isArray(option.defaultValue) && option.defaultValue.length === 0) return option.description;
  return new Help().optionDescription(option);
}
