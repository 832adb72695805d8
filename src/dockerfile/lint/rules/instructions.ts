import type { Instruction, ModifiableInstruction } from 'dockerfile-ast';
import { argsText, type DockerfileModel } from '../model.js';
import type { RawFinding, Rule } from '../types.js';

function all(model: DockerfileModel, keyword: string): Instruction[] {
  return model.stages.flatMap((s) => s.instructions.filter((i) => i.getKeyword() === keyword));
}

const finding = (message: string, i: Instruction): RawFinding => ({ message, range: i.getRange() });

const REMOTE = /^(https?|git):\/\/|^git@/;
const ARCHIVE = /\.(tar|tar\.(gz|bz2|xz|zst)|tgz|tbz2?|txz)$/i;

/** MN-DF-009: COPY, not ADD, for local files. */
export const copyNotAdd: Rule = {
  meta: {
    id: 'MN-DF-009',
    name: 'copy-not-add',
    severity: 'high',
    description:
      'ADD also fetches URLs and unpacks archives; for plain local files that magic only surprises. COPY does exactly one thing.',
    fix: 'Replace ADD with COPY for local files and directories.',
    hadolint: 'DL3020',
  },
  check(model) {
    return all(model, 'ADD')
      .filter((i) => {
        const args = (i as ModifiableInstruction).getArguments().map((a) => a.getValue());
        const sources = args.slice(0, -1);
        return sources.length > 0 && sources.every((s) => !REMOTE.test(s) && !ARCHIVE.test(s));
      })
      .map((i) => finding('ADD copies local files: use COPY', i));
  },
};

const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'pword',
  'secret',
  'token',
  'apikey',
  'credential',
  'credentials',
]);
const KEY_QUALIFIERS = new Set([
  'api',
  'private',
  'access',
  'secret',
  'signing',
  'encryption',
  'ssh',
  'client',
]);

/** True when a build-arg or env name looks like it holds a secret (`DB_PASSWORD`, `apiKey`, `GITHUB_TOKEN`). */
export function isSecretName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[_\-.]+/)
    .filter((w) => w !== '');
  // A name pointing at a secret file (PASSWORD_FILE) or a public key is not a secret itself.
  if (words.includes('file') || words.includes('path') || words.includes('public')) return false;
  return words.some(
    (w, n) => SECRET_WORDS.has(w) || (w === 'key' && n > 0 && KEY_QUALIFIERS.has(words[n - 1]!)),
  );
}

/** MN-DF-014: no secrets in ENV or ARG. */
export const noSecretsInEnv: Rule = {
  meta: {
    id: 'MN-DF-014',
    name: 'secret-in-env',
    severity: 'high',
    description:
      'ENV values are stored in the image config and ARG values in its history: anyone who can pull the image can read them.',
    fix: 'Pass secrets with RUN --mount=type=secret (BuildKit) and give them to the container at run time.',
    dockerCheck: 'SecretsUsedInArgOrEnv',
  },
  check(model) {
    const out: RawFinding[] = [];
    const instructions = [
      ...model.ast.getInitialARGs(),
      ...model.stages.flatMap((s) => s.instructions.filter((i) => ['ENV', 'ARG'].includes(i.getKeyword()))),
    ] as Array<Instruction & { getProperties(): Array<{ getName(): string }> }>;
    for (const i of instructions) {
      for (const p of i.getProperties()) {
        if (isSecretName(p.getName())) {
          out.push(
            finding(
              `${i.getKeyword()} ${p.getName()} looks like a secret; it stays readable in the image`,
              i,
            ),
          );
        }
      }
    }
    return out;
  },
};

/** Value ranges of secret-looking ENV/ARG properties, so no output ever shows them. */
export function secretValueRanges(model: DockerfileModel): RawFinding['range'][] {
  const out: RawFinding['range'][] = [];
  const instructions = [
    ...model.ast.getInitialARGs(),
    ...model.stages.flatMap((s) => s.instructions.filter((i) => ['ENV', 'ARG'].includes(i.getKeyword()))),
  ] as Array<
    Instruction & {
      getProperties(): Array<{ getName(): string; getValueRange(): RawFinding['range'] | null }>;
    }
  >;
  for (const i of instructions) {
    for (const p of i.getProperties()) {
      const r = p.getValueRange();
      if (r && isSecretName(p.getName())) out.push(r);
    }
  }
  return out;
}

/** MN-DF-019: absolute WORKDIR. */
export const absoluteWorkdir: Rule = {
  meta: {
    id: 'MN-DF-019',
    name: 'absolute-workdir',
    severity: 'medium',
    description: 'A relative WORKDIR depends on every earlier WORKDIR, in this stage and in its base.',
    fix: 'Use an absolute path: WORKDIR /src.',
    hadolint: 'DL3000',
  },
  check(model) {
    return all(model, 'WORKDIR')
      .filter((i) => {
        const dir = argsText(i)
          .trim()
          .replace(/^["']|["']$/g, '');
        return dir !== '' && !dir.startsWith('/') && !dir.startsWith('$');
      })
      .map((i) => finding(`WORKDIR ${argsText(i).trim()} is relative`, i));
  },
};

/** MN-DF-020: MAINTAINER is deprecated. */
export const noMaintainer: Rule = {
  meta: {
    id: 'MN-DF-020',
    name: 'no-maintainer',
    severity: 'medium',
    description: 'MAINTAINER is deprecated; the OCI authors label says the same in a way tools read.',
    fix: 'Replace it with LABEL org.opencontainers.image.authors="…".',
    hadolint: 'DL4000',
    dockerCheck: 'MaintainerDeprecated',
  },
  check(model) {
    return all(model, 'MAINTAINER').map((i) => finding('MAINTAINER is deprecated', i));
  },
};

/** MN-DF-023: EXPOSE names valid ports. */
export const validExpose: Rule = {
  meta: {
    id: 'MN-DF-023',
    name: 'valid-expose',
    severity: 'high',
    description:
      'A port outside 1-65535 cannot be exposed; the build or the run fails later with a vaguer message.',
    fix: 'Use a port from 1 to 65535 (with an optional /tcp or /udp).',
    hadolint: 'DL3011',
  },
  check(model) {
    const out: RawFinding[] = [];
    for (const i of all(model, 'EXPOSE')) {
      for (const a of (i as ModifiableInstruction).getArguments()) {
        const v = a.getValue();
        if (v.includes('$')) continue;
        const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(v);
        const bad = !m || [m[1], m[2]].some((p) => p !== undefined && (Number(p) < 1 || Number(p) > 65535));
        if (bad) out.push({ message: `EXPOSE ${v} is not a valid port`, range: a.getRange() });
      }
    }
    return out;
  },
};
