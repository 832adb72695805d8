import { Option, type Command } from 'commander';
import { setProgressMode } from './progress.js';

/** The output formats a command can print; each command takes the ones that fit it. */
export type OutputFormat = 'text' | 'json' | 'markdown' | 'sarif' | 'html';

/**
 * Which formats each command prints. One table, so every command spells the choice the same way: `--format F`,
 * with `--json` kept as the shorthand for `--format json` (and `--markdown` for `--format markdown` where it
 * was a flag before). Commands not listed print one kind of output (YAML from resolve, a file from
 * dockerfile, an SBOM whose `--format` names the SBOM standard).
 */
export const COMMAND_FORMATS: Record<string, readonly OutputFormat[]> = {
  build: ['text', 'json'],
  push: ['text', 'json'],
  analyze: ['text', 'json', 'markdown', 'html'],
  compare: ['text', 'json', 'markdown', 'html'],
  diff: ['text', 'json', 'markdown', 'html'],
  lint: ['text', 'json', 'sarif'],
  verify: ['text', 'json'],
  attestations: ['text', 'json'],
  'cache info': ['text', 'json'],
  'cache prune': ['text', 'json'],
};

function hasOption(command: Command, long: string): boolean {
  return command.options.some((o) => o.long === long);
}

function pathOf(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Every command that runs an action: the leaves of the tree (`cache info`, not `cache`). */
function leaves(command: Command): Command[] {
  return command.commands.flatMap((c) => (c.commands.length ? leaves(c) : [c]));
}

/**
 * Adds the options every command shares, where the command does not define its own: `-q/--quiet` (no progress,
 * no informational lines), `--verbose` (one timed line per step on stderr) and, from COMMAND_FORMATS, `--format`
 * with `--json` as its shorthand. A hook before each action folds `--format` into the flags the command reads
 * (`json`, `markdown`, `html`), so a command handles one set of flags whichever way the user spelled it.
 */
export function addCommonOptions(program: Command): void {
  for (const command of leaves(program)) {
    if (!hasOption(command, '--quiet'))
      command.option('-q, --quiet', 'no progress and no informational lines');
    if (!hasOption(command, '--verbose')) {
      command.option('--verbose', 'print each step with its time on stderr (as MINNOW_TIMING=1 does)');
    }
    const formats = COMMAND_FORMATS[pathOf(command)];
    if (formats && !hasOption(command, '--format')) {
      command.addOption(
        new Option('--format <format>', `output format: ${formats.join(', ')}`).choices([...formats]),
      );
    }
    if (formats?.includes('json') && !hasOption(command, '--json')) {
      command.option('--json', 'shorthand for --format json');
    }
    command.hook('preAction', (_parent, action) => {
      const flags = action.opts<{ format?: string; json?: boolean; quiet?: boolean; verbose?: boolean }>();
      setProgressMode(flags.verbose ? 'verbose' : flags.quiet ? 'quiet' : 'normal');
      const formatGiven = action.getOptionValueSource('format') === 'cli';
      if (flags.json && formatGiven && flags.format !== 'json') {
        action.error(`error: --json and --format ${flags.format} ask for two formats`, { exitCode: 2 });
      }
      if (flags.json && hasOption(action, '--format') && formats) action.setOptionValue('format', 'json');
      if (!formats) return;
      const format = flags.json ? 'json' : formatGiven ? flags.format : undefined;
      if (format === 'json') action.setOptionValue('json', true);
      if (format === 'markdown') action.setOptionValue('markdown', true);
      // HTML on stdout: commands that write --html FILE take '-' as standard output.
      if (format === 'html' && action.getOptionValue('html') === undefined)
        action.setOptionValue('html', '-');
    });
  }
}
