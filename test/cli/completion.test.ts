import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { exec } from '../helpers/exec.js';
import { tempDir } from '../helpers/tmp.js';

/** Writes `minnow completion SHELL` to a file and returns its path. */
async function script(shell: string): Promise<string> {
  const r = await cli(['completion', shell]);
  expect(r.status).toBe(0);
  const file = join(await tempDir(), `minnow.${shell}`);
  await writeFile(file, r.out);
  return file;
}

describe('minnow completion', () => {
  it('bash completes commands and the options of the command being typed', async () => {
    const file = await script('bash');
    const complete = async (line: string): Promise<string[]> => {
      const words = line.split(' ');
      const stdout = await exec('bash', [
        '-c',
        `source "$1"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _minnow; printf '%s\\n' "\${COMPREPLY[@]}"`,
        'bash',
        file,
      ]);
      return stdout.split('\n').filter(Boolean);
    };
    expect(await complete('minnow bu')).toEqual(['build']);
    expect(await complete('minnow c')).toEqual(['create', 'compare', 'cache', 'completion']);
    expect(await complete('minnow build --pla')).toEqual(['--platform']);
    expect(await complete('minnow lint --list')).toEqual(['--list-rules']);
  });

  it('fish completes commands with their descriptions and options', async () => {
    const file = await script('fish');
    const stdout = await exec('fish', ['-c', `source ${file}; complete -C 'minnow bui'`]);
    expect(stdout).toMatch(/^build\tBuild a Go app/m);
    const opts = await exec('fish', ['-c', `source ${file}; complete -C 'minnow analyze --fail'`]);
    expect(opts).toMatch(/^--fail-on\t/m);
  });

  it('zsh parses the script and lists every command', async () => {
    const file = await script('zsh');
    await exec('zsh', ['-n', file]);
    const stdout = await exec('zsh', [
      '-c',
      `autoload -U compinit && compinit -u -D; source ${file}; print -l \${_minnow_commands%%:*}`,
    ]);
    expect(stdout.split('\n')).toEqual(expect.arrayContaining(['build', 'analyze', 'lint', 'completion']));
  });

  it('an unknown shell is one line and exit 2', async () => {
    const r = await cli(['completion', 'tcsh']);
    expect(r.status).toBe(2);
    expect(r.err).toContain("no completion for shell 'tcsh'");
  });
});
