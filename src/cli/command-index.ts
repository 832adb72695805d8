import { Help, type Command } from 'commander';

/** A command as the top-level `--help` lists it: its term (`build [options] [source...]`) and its summary. */
export interface IndexedCommand {
  name: string;
  term: string;
  description: string;
}

/**
 * Set by the CLI bundle (scripts/bundle-cli.mjs) to `indexCommands` of the fully registered program, so that
 * `minnow --help` lists every command without loading them all: importing every command module (undici, the
 * analyzers, http, tls, zlib) took the top-level help from 80 to 260 ms on Node 24. Undefined elsewhere (the
 * TypeScript sources, the library), where the help registers every command as before.
 */
declare const MINNOW_COMMAND_INDEX: string | undefined;

/** The index the bundle was built with (JSON of `IndexedCommand[]`), if this code runs in the bundle. */
export function bundledCommandIndex(): IndexedCommand[] | undefined {
  return typeof MINNOW_COMMAND_INDEX === 'undefined'
    ? undefined
    : (JSON.parse(MINNOW_COMMAND_INDEX) as IndexedCommand[]);
}

/** What the top-level help shows of each command of `program`, exactly as commander formats it. */
export function indexCommands(program: Command): IndexedCommand[] {
  const help = new Help();
  return program.commands.map((c) => ({
    name: c.name(),
    term: help.subcommandTerm(c),
    description: help.subcommandDescription(c),
  }));
}

/**
 * Registers `index` on `program` as commands that only show in the help: their terms come from the index, so
 * the listing is what the real commands print. Used only when the command line names no command (main.ts).
 */
export function registerIndex(program: Command, index: IndexedCommand[]): void {
  const terms = new Map<Command, string>();
  for (const entry of index)
    terms.set(program.command(entry.name).description(entry.description), entry.term);
  const help = program.configureHelp();
  program.configureHelp({
    ...help,
    subcommandTerm: (c) => terms.get(c) ?? new Help().subcommandTerm(c),
  });
}
