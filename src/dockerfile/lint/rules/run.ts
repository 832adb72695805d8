import type { Instruction, ModifiableInstruction } from 'dockerfile-ast';
import { argsText, shippedStages, type DockerfileModel } from '../model.js';
import type { RawFinding, Rule } from '../types.js';
import { shellCommands } from './shell.js';

function runs(model: DockerfileModel): Instruction[] {
  return model.stages.flatMap((s) => s.instructions.filter((i) => i.getKeyword() === 'RUN'));
}

/** RUNs of the stages that ship (what they leave in their layers is in the image). */
function shippedRuns(model: DockerfileModel): Instruction[] {
  return shippedStages(model).flatMap((s) => s.instructions.filter((i) => i.getKeyword() === 'RUN'));
}

/** Targets of the RUN's `--mount=type=cache` flags. */
function cacheTargets(run: Instruction): string[] {
  const flags = (run as ModifiableInstruction).getFlags?.() ?? [];
  return flags
    .filter((f) => f.getName() === 'mount' && f.getOption('type')?.getValue() === 'cache')
    .map((f) => f.getOption('target')?.getValue() ?? f.getOption('dst')?.getValue() ?? '')
    .filter((t) => t !== '');
}

const finding = (message: string, i: Instruction): RawFinding => ({ message, range: i.getRange() });

/** MN-DF-011: consecutive RUN instructions. */
export const consecutiveRun: Rule = {
  meta: {
    id: 'MN-DF-011',
    name: 'consecutive-run',
    severity: 'low',
    description:
      'Each RUN is a layer; consecutive RUNs that belong together make more layers, and files deleted in a later one still ship in the earlier one.',
    fix: 'Join related commands into one RUN with && (and clean up in that same RUN).',
    hadolint: 'DL3059',
  },
  check(model) {
    const out: RawFinding[] = [];
    for (const stage of model.stages) {
      stage.instructions.forEach((i, n) => {
        if (n > 0 && i.getKeyword() === 'RUN' && stage.instructions[n - 1]!.getKeyword() === 'RUN') {
          out.push(finding('RUN follows another RUN', i));
        }
      });
    }
    return out;
  },
};

/** MN-DF-012: apk add --no-cache. */
export const apkNoCache: Rule = {
  meta: {
    id: 'MN-DF-012',
    name: 'apk-no-cache',
    severity: 'medium',
    description:
      "apk add without --no-cache leaves the package index in /var/cache/apk, in the layer for good (checked in the stages that ship: a builder stage's cache is never copied).",
    fix: 'Use apk add --no-cache (or a cache mount on /var/cache/apk).',
    hadolint: 'DL3019',
  },
  check(model) {
    return shippedRuns(model)
      .filter((i) => /\bapk\s+(?:-\S+\s+)*add\b/.test(argsText(i)))
      .filter(
        (i) => !/--no-cache\b/.test(argsText(i)) && !/rm\s+(-\S+\s+)*\/var\/cache\/apk/.test(argsText(i)),
      )
      .filter((i) => !cacheTargets(i).some((t) => t.startsWith('/var/cache/apk')))
      .map((i) => finding('apk add without --no-cache', i));
  },
};

const APT_INSTALL = /\bapt(?:-get)?\s+(?:-\S+\s+)*install\b/;

/** MN-DF-013: apt lists cleaned in the same RUN. */
export const aptListsCleaned: Rule = {
  meta: {
    id: 'MN-DF-013',
    name: 'apt-lists',
    severity: 'medium',
    description:
      "apt-get install leaves /var/lib/apt/lists (tens of MB) in the layer unless the same RUN removes it (checked in the stages that ship: a builder stage's lists are never copied).",
    fix: 'End the RUN with && rm -rf /var/lib/apt/lists/* (or use cache mounts on /var/lib/apt and /var/cache/apt).',
    hadolint: 'DL3009',
  },
  check(model) {
    return shippedRuns(model)
      .filter((i) => APT_INSTALL.test(argsText(i)))
      .filter((i) => !/rm\s+(-\S+\s+)*\/var\/lib\/apt\/lists/.test(argsText(i)))
      .filter((i) => !cacheTargets(i).some((t) => t.startsWith('/var/lib/apt')))
      .map((i) => finding('apt-get install without removing /var/lib/apt/lists', i));
  },
};

/** MN-DF-018: apt-get install --no-install-recommends. */
export const aptNoRecommends: Rule = {
  meta: {
    id: 'MN-DF-018',
    name: 'apt-no-recommends',
    severity: 'low',
    description:
      'Without --no-install-recommends apt installs recommended packages too: more size, more surface.',
    fix: 'Use apt-get install --no-install-recommends.',
    hadolint: 'DL3015',
  },
  check(model) {
    return runs(model)
      .filter((i) => APT_INSTALL.test(argsText(i)) && !/--no-install-recommends\b/.test(argsText(i)))
      .map((i) => finding('apt-get install without --no-install-recommends', i));
  },
};

/** MN-DF-022: no sudo in RUN. */
export const noSudo: Rule = {
  meta: {
    id: 'MN-DF-022',
    name: 'no-sudo',
    severity: 'medium',
    description: 'sudo in a build has unpredictable TTY and signal behaviour, and means sudo is installed.',
    fix: 'Switch with USER for the commands that need another user, and drop sudo.',
    hadolint: 'DL3004',
  },
  check(model) {
    // A command run through sudo, not a package named sudo (`apt-get install -y sudo`).
    return runs(model)
      .filter((i) => shellCommands(argsText(i)).some((words) => words[0] === 'sudo'))
      .map((i) => finding('RUN uses sudo', i));
  },
};

/** MN-DF-029: WORKDIR, not cd. */
export const noCd: Rule = {
  meta: {
    id: 'MN-DF-029',
    name: 'no-cd',
    severity: 'medium',
    description:
      'cd in a RUN changes the directory for that RUN only; the next instruction is back in the WORKDIR, which readers easily miss.',
    fix: 'Set the directory with WORKDIR /path before the RUN.',
    hadolint: 'DL3003',
  },
  check(model) {
    return runs(model)
      .filter((i) => shellCommands(argsText(i)).some((words) => words[0] === 'cd'))
      .map((i) => finding('RUN changes directory with cd', i));
  },
};
