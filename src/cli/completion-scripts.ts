import type { Command, Option } from 'commander';

/** What a completion script needs to know of one command: its name, summary and flags. */
export interface CompletionCommand {
  name: string;
  description: string;
  options: Array<{ flags: string[]; description: string; takesValue: boolean }>;
  subcommands: CompletionCommand[];
}

export type Shell = 'bash' | 'zsh' | 'fish';
export const SHELLS: readonly Shell[] = ['bash', 'zsh', 'fish'];

function optionFlags(option: Option): string[] {
  return [option.short, option.long].filter((f): f is string => typeof f === 'string');
}

/** The command tree as plain data, taken from the registered commander program. */
export function describeCommands(program: Command): CompletionCommand[] {
  const describe = (command: Command): CompletionCommand => ({
    name: command.name(),
    description: command.description(),
    options: [
      ...command.options.map((o) => ({
        flags: optionFlags(o),
        description: o.description,
        takesValue: o.required || o.optional,
      })),
      { flags: ['-h', '--help'], description: 'show help', takesValue: false },
    ],
    subcommands: command.commands.map(describe),
  });
  return program.commands.map(describe);
}

/** Single quotes for sh-like shells: the text stays literal. */
function sq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function bash(commands: CompletionCommand[]): string {
  const cases = commands
    .map((c) => {
      const words = [...c.options.flatMap((o) => o.flags), ...c.subcommands.map((s) => s.name)];
      return `    ${c.name}) opts=${sq(words.join(' '))} ;;`;
    })
    .join('\n');
  return `# bash completion for minnow (minnow completion bash)
_minnow() {
  local cur=\${COMP_WORDS[COMP_CWORD]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W ${sq(commands.map((c) => c.name).join(' '))} -- "$cur") )
    return
  fi
  local opts=''
  case "\${COMP_WORDS[1]}" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}
complete -o filenames -F _minnow minnow
`;
}

/** An option description goes inside `[...]` of an _arguments spec: brackets and backslashes are escaped. */
function zshEscape(text: string): string {
  return oneLine(text).replace(/[[\]\\]/g, '\\$&');
}

function zsh(commands: CompletionCommand[]): string {
  const list = commands.map((c) => `    ${sq(`${c.name}:${oneLine(c.description)}`)}`).join('\n');
  const cases = commands
    .map((c) => {
      const specs = c.options
        .map((o) => {
          const value = o.takesValue ? ':value:_files' : '';
          const names = o.flags.length > 1 ? `{${o.flags.join(',')}}` : o.flags[0];
          return `        ${o.flags.length > 1 ? `'(${o.flags.join(' ')})'${names}` : names}${sq(`[${zshEscape(o.description)}]${value}`)}`;
        })
        .join(' \\\n');
      return `      ${c.name})\n        _arguments \\\n${specs} \\\n        '*:file:_files' ;;`;
    })
    .join('\n');
  return `#compdef minnow
# zsh completion for minnow (minnow completion zsh)
_minnow_commands=(
${list}
)
_minnow() {
  if (( CURRENT == 2 )); then
    _describe 'minnow command' _minnow_commands
    return
  fi
  local cmd=$words[2]
  shift words; (( CURRENT-- ))
  case $cmd in
${cases}
  esac
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then _minnow "$@"; else compdef _minnow minnow 2>/dev/null; fi
`;
}

function fish(commands: CompletionCommand[]): string {
  const lines = ['# fish completion for minnow (minnow completion fish)', 'complete -c minnow -f'];
  for (const c of commands) {
    lines.push(`complete -c minnow -n __fish_use_subcommand -a ${c.name} -d ${sq(oneLine(c.description))}`);
    for (const o of c.options) {
      const parts = o.flags.map((f) => (f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`));
      const value = o.takesValue ? ' -r -F' : '';
      lines.push(
        `complete -c minnow -n '__fish_seen_subcommand_from ${c.name}' ${parts.join(' ')}${value} -d ${sq(oneLine(o.description))}`,
      );
    }
    for (const s of c.subcommands) {
      lines.push(
        `complete -c minnow -n '__fish_seen_subcommand_from ${c.name}' -a ${s.name} -d ${sq(oneLine(s.description))}`,
      );
    }
    lines.push(`complete -c minnow -n '__fish_seen_subcommand_from ${c.name}' -F`);
  }
  return `${lines.join('\n')}\n`;
}

const RENDERERS: Record<Shell, (commands: CompletionCommand[]) => string> = { bash, zsh, fish };

/** The completion script for a shell, listing every command and its options. */
export function completionScript(shell: Shell, commands: CompletionCommand[]): string {
  return RENDERERS[shell](commands);
}
