import type { Instruction } from 'dockerfile-ast';
import { argsText, lineage, type DockerfileModel, type Stage } from '../model.js';
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

/** ENV and ARG text of a stage's lineage that precedes `before` (ancestors' in full), oldest first. */
function envBefore(stage: Stage, before: Instruction): string {
  const parts: string[] = [];
  for (const s of lineage(stage).reverse()) {
    for (const i of s.instructions) {
      if (s === stage && !before.isAfter(i)) break;
      if (i.getKeyword() === 'ENV' || i.getKeyword() === 'ARG') parts.push(argsText(i));
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

/** MN002: CGO disabled for a static binary. */
export const cgoDisabled: Rule = {
  meta: {
    id: 'MN002',
    name: 'cgo-disabled',
    severity: 'warning',
    description:
      'With cgo on (the default where a C compiler exists, as in golang images) net and os/user link against libc, and the binary fails to start on scratch, distroless static or a musl base.',
    fix: 'Set CGO_ENABLED=0 for the build: ENV CGO_ENABLED=0 in the build stage, or prefix the go build command.',
  },
  check(model) {
    return goBuilds(model)
      .filter(({ stage, run, text }) => {
        const value = lastAssignment(`${envBefore(stage, run)}\n${text}`, 'CGO_ENABLED');
        return value !== '0';
      })
      .map(({ run }) => ({ message: 'go build runs without CGO_ENABLED=0', range: run.getRange() }));
  },
};

function flagsText(stage: Stage, run: Instruction, text: string): string {
  return `${envBefore(stage, run)}\n${text}`;
}

/** MN016: strip the symbol table and DWARF. */
export const goStripped: Rule = {
  meta: {
    id: 'MN016',
    name: 'go-strip',
    severity: 'info',
    description:
      'Without -ldflags="-s -w" the binary keeps its symbol table and DWARF debug data: about a quarter of its size, unused at run time (panics still print stack traces).',
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
        return !(tokens.includes('-s') && tokens.includes('-w'));
      })
      .map(({ run }) => ({
        message: 'go build keeps symbols and DWARF (no -ldflags="-s -w")',
        range: run.getRange(),
      }));
  },
};

/** MN017: -trimpath for reproducible builds. */
export const goTrimpath: Rule = {
  meta: {
    id: 'MN017',
    name: 'go-trimpath',
    severity: 'info',
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
