import type { Instruction } from 'dockerfile-ast';
import { argsText, lineage, repository, rootImage, type DockerfileModel, type Stage } from '../model.js';
import { shellCommands } from './shell.js';
import type { Rule } from '../types.js';

const GO_BUILD = /\bgo\s+(build|install)\b/;

/** Every RUN that compiles Go, with its stage. */
function goBuilds(model: DockerfileModel): Array<{ stage: Stage; run: Instruction; text: string }> {
  const out: Array<{ stage: Stage; run: Instruction; text: string }> = [];
  for (const stage of model.stages) {
    for (const run of stage.instructions) {
      if (run.getKeyword() !== 'RUN') continue;
      const text = argsText(run);
      if (GO_BUILD.test(text)) out.push({ stage, run, text });
    }
  }
  return out;
}

/** What of ENV and ARG the Go rules read: CGO_ENABLED and the flags (GOFLAGS carries them as -ldflags, -trimpath). */
const GO_ENV = /CGO_ENABLED|-ldflags|-trimpath/;

/** A stage's ENV and ARG texts that GO_ENV matches, with their lines: read once per stage, not once per RUN. */
const stageEnv = new WeakMap<Stage, Array<{ line: number; text: string }>>();
function envOf(stage: Stage): Array<{ line: number; text: string }> {
  let env = stageEnv.get(stage);
  if (!env) {
    env = [];
    for (const i of stage.instructions) {
      if (i.getKeyword() !== 'ENV' && i.getKeyword() !== 'ARG') continue;
      const text = argsText(i);
      if (GO_ENV.test(text)) env.push({ line: i.getRange().start.line, text });
    }
    stageEnv.set(stage, env);
  }
  return env;
}

/**
 * ENV and ARG text of a stage's lineage that precedes `before` (ancestors' in full), oldest first; only what the
 * Go rules look at, so lint stays linear in the Dockerfile's size however many RUNs it has.
 */
function envBefore(stage: Stage, before: Instruction): string {
  const parts: string[] = [];
  const line = before.getRange().start.line;
  for (const s of lineage(stage).reverse()) {
    for (const e of envOf(s)) {
      if (s === stage && e.line >= line) break;
      parts.push(e.text);
    }
  }
  return parts.join('\n');
}

/** The last value assigned to `name` in `text` (`NAME=value`), if any. */
function lastAssignment(text: string, name: string): string | undefined {
  const re = new RegExp(`(?:^|[\\s;&|])${name}=("?)([^\\s"]*)\\1`, 'g');
  let value: string | undefined;
  for (const m of text.matchAll(re)) value = m[2];
  return value;
}

/** The Go minor version of a `golang:1.N…` image, when its tag names one. */
function golangMinor(image: string | undefined): number | undefined {
  if (!image || repository(image) !== 'golang') return undefined;
  const tag = /:([\w.-]+)(@|$)/.exec(image.slice(image.lastIndexOf('/') + 1))?.[1] ?? '';
  const m = /^1\.(\d+)/.exec(tag);
  return m ? Number(m[1]) : undefined;
}

const C_COMPILER_PACKAGES = /^(gcc|clang|build-base|build-essential|g\+\+|musl-gcc|tcc)([=~<>].*)?$/;

/**
 * Whether the stage has a C compiler, which is what turns cgo on by default (Go 1.20+ builds with cgo off where
 * no C compiler is found): golang images other than -alpine ship gcc; alpine-based ones only if one is installed.
 */
function hasCCompiler(stage: Stage): boolean {
  let known = compilers.get(stage);
  if (known === undefined) compilers.set(stage, (known = findCCompiler(stage)));
  return known;
}
const compilers = new WeakMap<Stage, boolean>();

function findCCompiler(stage: Stage): boolean {
  const image = rootImage(stage) ?? '';
  const repo = repository(image);
  const tag = /:([\w.-]+)(@|$)/.exec(image.slice(image.lastIndexOf('/') + 1))?.[1] ?? '';
  if (repo === 'golang' && !tag.includes('alpine')) return true;
  if (repo !== 'golang' && repo !== 'alpine' && !repo.endsWith('/alpine')) return true;
  return lineage(stage).some((s) =>
    s.instructions.some(
      (i) =>
        i.getKeyword() === 'RUN' &&
        shellCommands(argsText(i)).some(
          (w) => ['apk', 'apt-get', 'apt'].includes(w[0] ?? '') && w.some((x) => C_COMPILER_PACKAGES.test(x)),
        ),
    ),
  );
}

/** MN-DF-002: CGO disabled for a static binary. */
export const cgoDisabled: Rule = {
  meta: {
    id: 'MN-DF-002',
    name: 'cgo-disabled',
    severity: 'medium',
    description:
      'With cgo on (the default where a C compiler exists, as in the Debian-based golang images; off without one since Go 1.20, as in golang:*-alpine) net and os/user link against libc, and the binary fails to start on scratch, distroless static or a musl base.',
    fix: 'Set CGO_ENABLED=0 for the build: ENV CGO_ENABLED=0 in the build stage, or prefix the go build command.',
  },
  check(model) {
    return goBuilds(model)
      .filter(({ stage, run, text }) => {
        const value = lastAssignment(`${envBefore(stage, run)}\n${text}`, 'CGO_ENABLED');
        if (value === '1') return true;
        return value !== '0' && hasCCompiler(stage);
      })
      .map(({ run }) => ({ message: 'go build runs without CGO_ENABLED=0', range: run.getRange() }));
  },
};

function flagsText(stage: Stage, run: Instruction, text: string): string {
  return `${envBefore(stage, run)}\n${text}`;
}

/** MN-DF-016: strip the symbol table and DWARF. */
export const goStripped: Rule = {
  meta: {
    id: 'MN-DF-016',
    name: 'go-strip',
    severity: 'low',
    description:
      'Without -ldflags="-s -w" (-s alone since Go 1.22, where it implies -w) the binary keeps its symbol table and DWARF debug data: about a quarter of its size, unused at run time (panics still print stack traces).',
    fix: 'Build with go build -ldflags="-s -w".',
  },
  check(model) {
    return goBuilds(model)
      .filter(({ stage, run, text }) => {
        const all = flagsText(stage, run, text);
        const ld = [...all.matchAll(/-ldflags(?:=|\s+)(?:"([^"]*)"|'([^']*)'|(\S+))/g)]
          .map((m) => m[1] ?? m[2] ?? m[3] ?? '')
          .join(' ');
        const tokens = ld.split(/\s+/);
        // Since Go 1.22, -s implies -w; older toolchains need both.
        const minor = golangMinor(rootImage(stage));
        const sImpliesW = minor === undefined || minor >= 22;
        return !(tokens.includes('-s') && (sImpliesW || tokens.includes('-w')));
      })
      .map(({ run }) => ({
        message: 'go build keeps symbols and DWARF (no -ldflags="-s -w")',
        range: run.getRange(),
      }));
  },
};

/** MN-DF-017: -trimpath for reproducible builds. */
export const goTrimpath: Rule = {
  meta: {
    id: 'MN-DF-017',
    name: 'go-trimpath',
    severity: 'low',
    description:
      "Without -trimpath the binary records the build machine's file paths, so the same source builds different bytes in different places.",
    fix: 'Build with go build -trimpath.',
  },
  check(model) {
    return goBuilds(model)
      .filter(({ stage, run, text }) => !/(^|[\s"'=])-trimpath\b/.test(flagsText(stage, run, text)))
      .map(({ run }) => ({ message: 'go build without -trimpath', range: run.getRange() }));
  },
};
