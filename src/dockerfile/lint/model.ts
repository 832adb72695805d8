import { DockerfileParser, type Dockerfile, type From, type Instruction } from 'dockerfile-ast';
import { splitNameTag } from '../../oci/name-tag.js';

/** One build stage: its FROM, what it builds on, and its instructions after the FROM. */
export interface Stage {
  index: number;
  /** The `AS name`, lowercased. */
  name?: string;
  from: From;
  /** The FROM's image with build args substituted; undefined when a variable has no default. */
  image?: string;
  /** The earlier stage this one builds on (`FROM build AS test`). */
  parent?: Stage;
  instructions: Instruction[];
}

/** The .dockerignore next to the build context, when the context is known. */
export interface DockerignoreFile {
  path: string;
  text: string;
}

/** A parsed Dockerfile with the facts the rules share. */
export interface DockerfileModel {
  file: string;
  text: string;
  lines: string[];
  ast: Dockerfile;
  stages: Stage[];
  /** Build args declared before the first FROM, with their defaults. */
  globalArgs: Map<string, string | undefined>;
  /**
   * The build context's .dockerignore: the file when present, null when the context has none, undefined when
   * the context is not known (text from stdin).
   */
  dockerignore?: DockerignoreFile | null;
}

const VAR = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** Substitutes `$VAR` and `${VAR}` (and `${VAR:-default}`) from `vars`; undefined when one is unknown. */
export function substitute(text: string, vars: Map<string, string | undefined>): string | undefined {
  let unknown = false;
  const out = text.replace(VAR, (whole: string, braced?: string, plain?: string) => {
    const name = braced ?? plain ?? '';
    const value = vars.get(name);
    if (value !== undefined) return value;
    const dflt = /^\$\{[^:}]+:?-([^}]*)\}$/.exec(whole);
    if (dflt) return dflt[1] ?? '';
    unknown = true;
    return whole;
  });
  return unknown ? undefined : out;
}

/** Parses `text` and splits it into stages. Never throws on odd input: unknown lines are just instructions. */
export function parseDockerfile(
  text: string,
  file = 'Dockerfile',
  dockerignore?: DockerignoreFile | null,
): DockerfileModel {
  const ast = DockerfileParser.parse(text);
  const globalArgs = new Map<string, string | undefined>();
  for (const arg of ast.getInitialARGs()) {
    for (const p of arg.getProperties()) globalArgs.set(p.getName(), p.getValue() ?? undefined);
  }
  const stages: Stage[] = [];
  for (const instruction of ast.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const from = instruction as From;
      const raw = from.getImage() ?? '';
      const image = substitute(raw, globalArgs);
      const name = from.getBuildStage()?.toLowerCase();
      const parent = image ? stages.find((s) => s.name === image.toLowerCase()) : undefined;
      stages.push({
        index: stages.length,
        ...(name ? { name } : {}),
        from,
        ...(image !== undefined ? { image } : {}),
        ...(parent ? { parent } : {}),
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return {
    file,
    text,
    lines: text.split(/\r?\n/),
    ast,
    stages,
    globalArgs,
    ...(dockerignore !== undefined ? { dockerignore } : {}),
  };
}

/** The stage whose image is the build's result (the last one). */
export function finalStage(model: DockerfileModel): Stage | undefined {
  return model.stages.at(-1);
}

/** The external image a stage ultimately starts from (following `FROM <stage>` links). */
export function rootImage(stage: Stage): string | undefined {
  let s: Stage | undefined = stage;
  while (s?.parent) s = s.parent;
  return s?.image;
}

/**
 * The stages whose layers end up in the built image: the final stage and the stages it builds on. Files a builder
 * stage leaves behind (package lists, caches) never ship unless copied.
 */
export function shippedStages(model: DockerfileModel): Stage[] {
  const last = finalStage(model);
  return last ? lineage(last) : [];
}

/** The stage and its ancestors, nearest first. */
export function lineage(stage: Stage): Stage[] {
  const out: Stage[] = [];
  for (let s: Stage | undefined = stage; s; s = s.parent) out.push(s);
  return out;
}

/** An image reference's repository without registry `docker.io/` and `library/`, lowercased, without tag. */
export function repository(image: string): string {
  return splitNameTag(image)
    .name.toLowerCase()
    .replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '')
    .replace(/^library\//, '');
}

/** An instruction's arguments as one line of text (continuations joined); computed once, as every rule asks. */
export function argsText(i: Instruction): string {
  let text = argsTexts.get(i);
  if (text === undefined) argsTexts.set(i, (text = i.getArgumentsContent() ?? ''));
  return text;
}
const argsTexts = new WeakMap<Instruction, string>();
