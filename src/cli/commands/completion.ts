import type { Command } from 'commander';
import { MinnowError } from '../../errors.js';
import { completionScript, describeCommands, SHELLS, type Shell } from '../completion-scripts.js';

async function run(shell: string): Promise<void> {
  if (!(SHELLS as readonly string[]).includes(shell)) {
    throw new MinnowError('INVALID_ARGUMENT', `no completion for shell '${shell}'`, {
      hint: `choose one of ${SHELLS.join(', ')}`,
    });
  }
  // A run of `minnow completion` loads only this module: the script needs every command, so build the whole tree.
  const { createProgram } = await import('../main.js');
  const program = await createProgram();
  process.stdout.write(completionScript(shell as Shell, describeCommands(program)));
}

/** Registers `minnow completion`. */
export function register(program: Command): void {
  program
    .command('completion')
    .description('Print a shell completion script (bash, zsh or fish)')
    .argument('<shell>', SHELLS.join(', '))
    .action((shell: string) => run(shell));
}
