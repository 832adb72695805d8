import type { Instruction } from 'dockerfile-ast';
import { argsText, type DockerfileModel } from '../model.js';
import type { RawFinding, Rule } from '../types.js';
import { shellCommands } from './shell.js';

function runs(model: DockerfileModel): Instruction[] {
  return model.stages.flatMap((s) => s.instructions.filter((i) => i.getKeyword() === 'RUN'));
}

/**
 * The package arguments of every `<tool> … <verb> …` command in `text`: the words after the verb that are not
 * options (nor the values of `valued` options) and not shell variables.
 */
export function packageArgs(text: string, tools: string[], verb: string, valued: Set<string>): string[] {
  const out: string[] = [];
  for (const words of shellCommands(text)) {
    if (words[0] === 'sudo') words.shift();
    if (!tools.includes(words[0] ?? '')) continue;
    // The first word that is neither an option nor an option's value must be the verb.
    let at = 1;
    while (at < words.length && words[at]!.startsWith('-')) at += valued.has(words[at]!) ? 2 : 1;
    if (words[at] !== verb) continue;
    for (let n = at + 1; n < words.length; n++) {
      const w = words[n]!;
      // Redirections: `> log`, `2>/dev/null`, `<in`; a bare operator takes the next word as its file.
      if (/^\d*[<>]/.test(w)) {
        if (/^\d*[<>]+$/.test(w)) n++;
      } else if (valued.has(w)) n++;
      else if (!w.startsWith('-') && !w.includes('$')) out.push(w);
    }
  }
  return out;
}

const APT_VALUED = new Set(['-o', '--option', '-t', '--target-release', '-c', '--config-file']);
const APK_VALUED = new Set([
  '-t',
  '--virtual',
  '-X',
  '--repository',
  '--repositories-file',
  '-p',
  '--root',
  '--arch',
  '--cache-dir',
  '--keys-dir',
]);

const found = (message: string, i: Instruction): RawFinding => ({ message, range: i.getRange() });

/** MN024: apt-get install names package versions. */
export const aptPinned: Rule = {
  meta: {
    id: 'MN024',
    name: 'apt-pin',
    severity: 'warning',
    description:
      'apt-get install without versions installs whatever the mirror has that day: the same Dockerfile builds different images, and an update can break the build.',
    fix: 'Pin each package: apt-get install -y --no-install-recommends git=1:2.39.2-1.1 (apt-cache policy <pkg> shows the version).',
    hadolint: 'DL3008',
  },
  check(model) {
    return runs(model).flatMap((i) => {
      const loose = packageArgs(argsText(i), ['apt-get', 'apt'], 'install', APT_VALUED).filter(
        (p) => !p.includes('=') && !p.includes('/') && !p.endsWith('.deb'),
      );
      return loose.length > 0 ? [found(`apt-get install without a version for ${loose.join(', ')}`, i)] : [];
    });
  },
};

/** MN025: apk add names package versions. */
export const apkPinned: Rule = {
  meta: {
    id: 'MN025',
    name: 'apk-pin',
    severity: 'warning',
    description:
      'apk add without versions installs whatever the repository has that day: the same Dockerfile builds different images.',
    fix: 'Pin each package: apk add --no-cache git=2.43.0-r0 (or git~2.43 for the latest patch release).',
    hadolint: 'DL3018',
  },
  check(model) {
    return runs(model).flatMap((i) => {
      const loose = packageArgs(argsText(i), ['apk'], 'add', APK_VALUED).filter(
        (p) => !/[=~<>]/.test(p) && !p.endsWith('.apk'),
      );
      return loose.length > 0 ? [found(`apk add without a version for ${loose.join(', ')}`, i)] : [];
    });
  },
};
