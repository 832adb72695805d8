import { MinnowError } from '../../errors.js';
import type { DockerfileModel } from './model.js';

/** The instructions the Dockerfile frontend knows; anything else fails `docker build`. */
const INSTRUCTIONS = new Set([
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
]);

/** Fewest arguments each instruction takes before the frontend refuses it. */
const MIN_ARGS: Record<string, number> = {
  ADD: 2,
  ARG: 1,
  COPY: 2,
  ENV: 1,
  EXPOSE: 1,
  FROM: 1,
  LABEL: 1,
  MAINTAINER: 1,
  ONBUILD: 1,
  RUN: 1,
  SHELL: 1,
  STOPSIGNAL: 1,
  USER: 1,
  VOLUME: 1,
  WORKDIR: 1,
};

/**
 * Refuses what `docker build` refuses before it runs anything: an empty file, an unknown instruction, an
 * instruction other than ARG before the first FROM, an instruction without its arguments. Throws INVALID_ARGUMENT
 * with one line naming `file:line`; a linter that passed these would pass a file that never builds.
 */
export function checkSyntax(model: DockerfileModel): void {
  const fail = (line: number, what: string): never => {
    throw new MinnowError('INVALID_ARGUMENT', `${model.file}:${line}: ${what}`, { subject: model.file });
  };
  const instructions = model.ast.getInstructions();
  if (instructions.length === 0)
    fail(1, 'the Dockerfile has no instructions (docker build refuses an empty file)');
  let seenFrom = false;
  for (const i of instructions) {
    const keyword = i.getKeyword();
    const line = i.getRange().start.line + 1;
    if (!INSTRUCTIONS.has(keyword)) fail(line, `unknown instruction ${JSON.stringify(i.getInstruction())}`);
    if (keyword === 'FROM') seenFrom = true;
    else if (!seenFrom && keyword !== 'ARG')
      fail(line, `${keyword} before the first FROM (only ARG may come first)`);
    const args = i.getArguments().length;
    const min = MIN_ARGS[keyword] ?? 0;
    if (
      args < min &&
      !(keyword === 'COPY' || keyword === 'ADD' ? hasHeredoc(i.getArgumentsContent()) : false)
    ) {
      fail(line, `${keyword} needs at least ${min} argument${min === 1 ? '' : 's'}`);
    }
  }
}

/** `COPY <<EOF /dest` names its source inline: one argument is enough. */
function hasHeredoc(args: string | null): boolean {
  return /<<-?["']?\w+/.test(args ?? '');
}
