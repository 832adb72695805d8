import type { Instruction } from 'dockerfile-ast';
import { argsText, lineage, shippedStages, type Stage } from '../model.js';
import type { RawFinding, Rule } from '../types.js';
import { shellCommands } from './shell.js';

const found = (message: string, i: Instruction): RawFinding => ({ message, range: i.getRange() });

/** Shell-form RUNs (exec-form `RUN ["x"]` runs no shell), with their stage. */
function shellRuns(stages: Stage[]): Array<{ stage: Stage; run: Instruction; text: string }> {
  return stages.flatMap((stage) =>
    stage.instructions
      .filter((i) => i.getKeyword() === 'RUN' && !argsText(i).trimStart().startsWith('['))
      .map((run) => ({ stage, run, text: argsText(run) })),
  );
}

const SHELL_PATHS = /^\/(usr\/)?(local\/)?s?bin\/(sh|bash|ash|dash|zsh|ksh)$/;

/** MN-DF-031: no shell put in place with ln -s. */
export const noShellSymlink: Rule = {
  meta: {
    id: 'MN-DF-031',
    name: 'shell-symlink',
    severity: 'medium',
    description:
      'ln -s … /bin/sh in a stage that ships puts a shell back into an image chosen for having none (busybox or a copied shell behind a symlink): an attacker gets the shell the base left out.',
    fix: 'Drop the link; run the program directly with exec-form ENTRYPOINT/CMD, and debug with an ephemeral container.',
  },
  check(model) {
    return shellRuns(shippedStages(model)).flatMap(({ run, text }) => {
      const links = shellCommands(text).filter(
        (w) => w[0] === 'ln' && w.some((x) => /^-\w*s/.test(x)) && SHELL_PATHS.test(w.at(-1) ?? ''),
      );
      return links.map((w) => found(`RUN links a shell into place: ${w.join(' ')}`, run));
    });
  },
};

/** True when a SHELL instruction of the stage's lineage before `run` sets -o pipefail. */
function shellHasPipefail(stage: Stage, run: Instruction): boolean {
  let on = false;
  for (const s of lineage(stage).reverse()) {
    for (const i of s.instructions) {
      if (s === stage && !run.isAfter(i)) break;
      if (i.getKeyword() === 'SHELL') on = /pipefail/.test(argsText(i));
    }
  }
  return on;
}

/** A `|` that pipes (not `||`), outside quotes. */
function pipes(text: string): boolean {
  let quote = '';
  for (let n = 0; n < text.length; n++) {
    const c = text[n]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '|') {
      if (text[n + 1] === '|') n++;
      else if (text[n - 1] !== '|') return true;
    }
  }
  return false;
}

/** MN-DF-032: a pipe fails the RUN only with pipefail. */
export const pipefail: Rule = {
  meta: {
    id: 'MN-DF-032',
    name: 'pipefail',
    severity: 'medium',
    description:
      'In `RUN curl … | tar x` only the last command decides the status: a failed download still builds, with a broken or empty result.',
    fix: 'Add SHELL ["/bin/sh", "-eo", "pipefail", "-c"] (or bash) before the RUN, or start it with set -o pipefail &&.',
    hadolint: 'DL4006',
  },
  check(model) {
    return shellRuns(model.stages)
      .filter(
        ({ stage, run, text }) =>
          pipes(text) && !/set\s+-\w*o\s+pipefail|-o\s+pipefail/.test(text) && !shellHasPipefail(stage, run),
      )
      .map(({ run }) => found('RUN pipes without pipefail: a failure before the last | goes unnoticed', run));
  },
};

/** Variables expanded outside double quotes in arguments: `rm -rf $DIR`, not `X=$Y` or `"$Y"`. */
function unquotedVariables(text: string): string[] {
  const out: string[] = [];
  // Heredoc bodies are data, not shell words.
  const body = text.split(/<<-?\s*["']?\w+["']?/)[0] ?? text;
  for (const segment of body.split(/&&|\|\||[;|&\n]/)) {
    const words = segment.match(/(?:"[^"]*"|'[^']*'|[^\s"']+)+/g) ?? [];
    for (const w of words) {
      if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) continue;
      const bare = w.replace(/"[^"]*"|'[^']*'/g, '');
      for (const m of bare.matchAll(/\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)/g)) out.push(m[0]);
    }
  }
  return [...new Set(out)];
}

/** MN-DF-033: quote variables in RUN. */
export const quotedVariables: Rule = {
  meta: {
    id: 'MN-DF-033',
    name: 'quote-variables',
    severity: 'low',
    description:
      'An unquoted $VAR in a RUN is split on spaces and expanded as a glob: a value with a space or * runs a different command than it reads (ShellCheck SC2086).',
    fix: 'Quote the expansion: "$VAR".',
  },
  check(model) {
    return shellRuns(model.stages).flatMap(({ run, text }) => {
      const vars = unquotedVariables(text);
      return vars.length > 0
        ? [found(`unquoted ${vars.join(', ')} in RUN (word splitting, globbing)`, run)]
        : [];
    });
  },
};
