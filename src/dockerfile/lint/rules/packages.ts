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
      if (valued.has(w)) n++;
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

/** MN-DF-024: apt-get install names package versions. */
export const aptPinned: Rule = {
  meta: {
    id: 'MN-DF-024',
    name: 'apt-pin',
    severity: 'medium',
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

/** MN-DF-025: apk add names package versions. */
export const apkPinned: Rule = {
  meta: {
    id: 'MN-DF-025',
    name: 'apk-pin',
    severity: 'medium',
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

/** The packages of `go install`/`go get` commands that name no version (or `@latest`). */
function unpinnedGoPackages(text: string): string[] {
  const out: string[] = [];
  for (const words of shellCommands(text)) {
    if (words[0] !== 'go' || (words[1] !== 'install' && words[1] !== 'get')) continue;
    for (const w of words.slice(2)) {
      // Options, variables, and local packages (`.`, `./cmd/x`, `/src/...`) build what the context holds.
      if (w.startsWith('-') || w.includes('$') || w.startsWith('.') || w.startsWith('/')) continue;
      const at = w.lastIndexOf('@');
      const version = at < 0 ? '' : w.slice(at + 1);
      if (version === '' || version === 'latest' || version === 'upgrade' || version === 'patch') out.push(w);
    }
  }
  return out;
}

/** MN-DF-030: go install / go get name a module version. */
export const goInstallPinned: Rule = {
  meta: {
    id: 'MN-DF-030',
    name: 'go-install-pin',
    severity: 'medium',
    description:
      'go install and go get without a version (or with @latest) fetch whatever the module proxy has that day: the same Dockerfile builds a different tool next week.',
    fix: 'Name the version: go install golang.org/x/tools/cmd/stringer@v0.24.0.',
    hadolint: 'DL3062',
  },
  check(model) {
    return runs(model).flatMap((i) => {
      const loose = unpinnedGoPackages(argsText(i));
      return loose.length > 0 ? [found(`go install/get without a version for ${loose.join(', ')}`, i)] : [];
    });
  },
};
