import type { Instruction } from 'dockerfile-ast';
import { argsText, finalStage, lineage, rootImage } from '../model.js';
import type { RawFinding, Rule } from '../types.js';
import { defaultsToNonRoot, hasShell, isLargeBase } from './base-kinds.js';

const found = (message: string, i: Instruction | { getRange(): RawFinding['range'] }): RawFinding => ({
  message,
  range: i.getRange(),
});

/** MN-DF-001: build and run in separate stages. */
export const multiStage: Rule = {
  meta: {
    id: 'MN-DF-001',
    name: 'multi-stage',
    severity: 'medium',
    description:
      'A single-stage build ships the compiler, the module cache and the sources with the program; build in one stage and copy only the binary into a small final stage.',
    fix: 'Name the build stage (FROM golang:1.22 AS build) and start a final stage (FROM scratch) that COPY --from=build the binary.',
  },
  check(model) {
    const builds = model.stages.filter((s) =>
      s.instructions.some((i) => i.getKeyword() === 'RUN' && /\bgo\s+(build|install)\b/.test(argsText(i))),
    );
    if (model.stages.length !== 1 || builds.length === 0) return [];
    return [found('single-stage build: the Go toolchain ends up in the image', model.stages[0]!.from)];
  },
};

/** MN-DF-003: a small final base. */
export const smallFinalBase: Rule = {
  meta: {
    id: 'MN-DF-003',
    name: 'small-final-base',
    severity: 'medium',
    description:
      'The final stage starts from a full distribution or toolchain image; a static Go binary needs none of it, and each package is attack surface.',
    fix: 'Start the final stage FROM scratch (with the CA bundle), gcr.io/distroless/static-debian12:nonroot, or alpine.',
  },
  check(model) {
    const last = finalStage(model);
    const image = last && rootImage(last);
    if (!last || !image || !isLargeBase(image)) return [];
    return [found(`the final stage is based on ${image}, a large image`, last.from)];
  },
};

/** MN-DF-004: the final stage's user is not root. */
export const finalUserNotRoot: Rule = {
  meta: {
    id: 'MN-DF-004',
    name: 'final-user-root',
    severity: 'medium',
    description:
      'The final stage runs as root: a compromised process then owns the container and any writable mount.',
    fix: 'Add USER 65532:65532 (distroless "nonroot") to the final stage, after the last COPY/RUN that needs root.',
    hadolint: 'DL3002',
  },
  check(model) {
    const last = finalStage(model);
    if (!last) return [];
    for (const stage of lineage(last)) {
      const users = stage.instructions.filter((i) => i.getKeyword() === 'USER');
      const user = users.at(-1);
      if (!user) continue;
      const name = argsText(user).trim().split(':')[0];
      if (name === 'root' || name === '0') {
        return [found(`the final stage runs as root (USER ${argsText(user).trim()})`, user)];
      }
      return [];
    }
    const image = rootImage(last);
    if (image && defaultsToNonRoot(image)) return [];
    return [found('the final stage has no USER, so it runs as root', last.from)];
  },
};

function isJsonForm(i: Instruction): boolean {
  const text = argsText(i).trim();
  if (!text.startsWith('[')) return false;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.every((x) => typeof x === 'string');
  } catch {
    return false;
  }
}

/** MN-DF-005: exec-form CMD and ENTRYPOINT. */
export const execForm: Rule = {
  meta: {
    id: 'MN-DF-005',
    name: 'exec-form',
    severity: 'medium',
    description:
      'Shell-form CMD/ENTRYPOINT runs the program under /bin/sh -c: it needs a shell in the image, and the program does not get SIGTERM, so stops wait for the kill timeout.',
    fix: 'Write it as a JSON array: ENTRYPOINT ["/app/server"].',
    hadolint: 'DL3025',
    dockerCheck: 'JSONArgsRecommended',
  },
  check(model) {
    const out: RawFinding[] = [];
    for (const stage of model.stages) {
      for (const i of stage.instructions) {
        const k = i.getKeyword();
        if ((k === 'CMD' || k === 'ENTRYPOINT') && argsText(i).trim() !== '' && !isJsonForm(i)) {
          out.push(found(`${k} is in shell form`, i));
        }
      }
    }
    return out;
  },
};

/** MN-DF-015: a shell or package manager left in the final stage. */
export const finalShell: Rule = {
  meta: {
    id: 'MN-DF-015',
    name: 'final-shell',
    severity: 'low',
    description:
      'The final image keeps a shell or a package manager: handy for debugging, but tools an attacker can use, and packages to patch.',
    fix: 'Use scratch or distroless static for the final stage, and debug with `docker debug` or an ephemeral debug container.',
  },
  check(model) {
    const last = finalStage(model);
    const image = last && rootImage(last);
    if (!last || !image || !hasShell(image) || isLargeBase(image)) return [];
    return [found(`the final stage's base ${image} ships a shell and a package manager`, last.from)];
  },
};

/** MN-DF-021: at most one CMD and one ENTRYPOINT per stage. */
export const singleCmd: Rule = {
  meta: {
    id: 'MN-DF-021',
    name: 'single-cmd',
    severity: 'medium',
    description: 'Only the last CMD and ENTRYPOINT of a stage take effect; earlier ones mislead readers.',
    fix: 'Keep one CMD and one ENTRYPOINT per stage.',
    hadolint: 'DL4003, DL4004',
  },
  check(model) {
    const out: RawFinding[] = [];
    for (const stage of model.stages) {
      for (const k of ['CMD', 'ENTRYPOINT']) {
        const list = stage.instructions.filter((i) => i.getKeyword() === k);
        for (const i of list.slice(0, -1)) out.push(found(`${k} is overridden by a later ${k}`, i));
      }
    }
    return out;
  },
};
