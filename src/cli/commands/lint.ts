import { Option, type Command } from 'commander';
import pc from '../colors.js';
import { formatJson } from '../../dockerfile/lint/format-json.js';
import { formatSarif } from '../../dockerfile/lint/format-sarif.js';
import { formatText, PLAIN, type TextStyle } from '../../dockerfile/lint/format-text.js';
import {
  failsAt,
  lintFile,
  lintText,
  MAX_DOCKERFILE_BYTES,
  type LintResult,
} from '../../dockerfile/lint/lint.js';
import { RULES } from '../../dockerfile/lint/rules/index.js';
import { SEVERITIES, type Severity } from '../../util/severity.js';
import { exitCodeFor } from '../exit.js';
import { VERSION as version } from '../../version.js';

interface Flags {
  format: 'text' | 'json' | 'sarif';
  failOn: Severity | 'none';
  context?: string;
  ignore: string[];
  listRules?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== ''),
];

function style(): TextStyle {
  if (!process.stdout.isTTY || !pc.isColorSupported) return PLAIN;
  return {
    critical: pc.red,
    high: pc.red,
    medium: pc.yellow,
    low: pc.cyan,
    info: pc.dim,
    dim: pc.dim,
    bold: pc.bold,
  };
}

/** Stdin, read up to one byte past the Dockerfile limit (lintText then refuses it) so a flood is not buffered. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of process.stdin) {
    chunks.push(c as Buffer);
    n += (c as Buffer).length;
    if (n > MAX_DOCKERFILE_BYTES) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `minnow lint [Dockerfile...]`: checks Dockerfiles for the article's optimizations and security basics. */
export function register(program: Command): void {
  program
    .command('lint')
    .description(
      'check Dockerfiles: multi-stage, static Go build, small non-root final stage, pinned bases, hygiene',
    )
    .argument('[dockerfiles...]', 'Dockerfiles to check ("-" reads stdin)', ['Dockerfile'])
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'),
    )
    .addOption(
      new Option('--fail-on <severity>', 'exit 3 when a finding is at least this severe')
        .choices([...SEVERITIES, 'none'])
        .default('medium'),
    )
    .option(
      '--context <dir>',
      "build context whose .dockerignore is checked (default: the Dockerfile's directory)",
    )
    .option('--ignore <ids>', 'rule IDs or hadolint codes to skip (repeatable, comma-separated)', collect, [])
    .option('--list-rules', 'print every rule (ID, severity, name, hadolint code) and exit')
    .action(async (files: string[], flags: Flags) => {
      if (flags.listRules) {
        for (const { meta } of RULES) {
          const codes = meta.hadolint ? ` (hadolint ${meta.hadolint})` : '';
          process.stdout.write(`${meta.id}  ${meta.severity.padEnd(8)}  ${meta.name}${codes}\n`);
        }
        return;
      }
      const results: LintResult[] = [];
      for (const file of files) {
        const options = { ignore: flags.ignore, ...(flags.context ? { contextDir: flags.context } : {}) };
        results.push(
          file === '-'
            ? await lintText(await readStdin(), { ...options, file: '<stdin>' })
            : await lintFile(file, { ...options, file }),
        );
      }
      const out =
        flags.format === 'json'
          ? formatJson(results)
          : flags.format === 'sarif'
            ? formatSarif(results, { toolVersion: version })
            : formatText(results, style());
      process.stdout.write(out);
      const all = results.flatMap((r) => r.findings);
      if (flags.failOn !== 'none' && failsAt(all, flags.failOn)) {
        process.exitCode = exitCodeFor('POLICY_FAILED');
      }
    });
}
