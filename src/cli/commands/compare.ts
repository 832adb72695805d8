import type { Command } from 'commander';
import {
  compareBases,
  defaultCompareBases,
  dockerfileCompareRows,
  parseCompareBase,
  renderCompareHtml,
  renderCompareMarkdown,
  renderCompareText,
  type CompareBase,
} from '../../compare/index.js';
import { sourceGrammar } from '../../base/resolve.js';
import { sourceOf } from './build.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { withSignals } from '../signals.js';
import { createStepProgress } from '../step-progress.js';

interface CompareFlags {
  base: string[];
  defaults?: boolean;
  json?: boolean;
  markdown?: boolean;
  html?: string;
  user?: string;
  withDockerfile?: boolean;
  dockerfileBase: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

async function run(args: string[], flags: CompareFlags): Promise<void> {
  const { dir, packages } = await sourceOf(args);
  const extra: CompareBase[] = flags.base.map(parseCompareBase);
  // --base adds to the article's bases; --no-defaults compares only the ones given.
  const bases = flags.defaults === false && extra.length > 0 ? extra : [...defaultCompareBases(), ...extra];
  const progress = createStepProgress(!flags.json);
  try {
    // Ctrl-C or SIGTERM aborts the work and becomes the one ABORTED error (exit 130/143).
    await withSignals(async (signal) => {
      const result = await compareBases({
        dir,
        packages,
        bases,
        build: {
          ...(flags.user !== undefined ? { user: flags.user } : {}),
          registry: { onProgress: (e) => progress.transfer(e) },
        },
        onProgress: (m) => progress.update(m),
        signal,
      });
      if (flags.withDockerfile) {
        // The same app built by `docker build` with minnow's generated Dockerfile, analyzed the same way.
        const extra = await dockerfileCompareRows({
          dir,
          ...(flags.dockerfileBase.length ? { bases: flags.dockerfileBase } : {}),
          ...(packages.length === 1 && packages[0] !== '.' ? { package: packages[0] } : {}),
          onProgress: (m) => progress.update(m),
          signal,
        });
        result.rows.push(...extra.rows);
        result.skipped.push(...extra.skipped);
      }
      progress.stop();
      // --format html (or --html -) prints the page instead of the text report.
      if (flags.html && flags.html !== '-') await writeFileAtomic(flags.html, renderCompareHtml(result));
      if (flags.html === '-') process.stdout.write(renderCompareHtml(result));
      else if (flags.json) {
        // The full per-image analyses are available from `minnow analyze --json`; keep this one a table.
        const rows = result.rows.map(({ analysis: _analysis, ...row }) => row);
        process.stdout.write(`${JSON.stringify({ ...result, rows }, null, 2)}\n`);
      } else if (flags.markdown) process.stdout.write(renderCompareMarkdown(result));
      else process.stdout.write(renderCompareText(result));
    });
  } finally {
    progress.stop();
  }
}

/** Registers `minnow compare`. */
export function register(program: Command): void {
  program
    .command('compare')
    .description("Build the app on several bases and compare size and attack surface (the article's table)")
    .argument('[source...]', 'module directory (default .) or Go package patterns')
    .option('--base <[label=]spec>', `another base to compare (repeatable): ${sourceGrammar()}`, collect, [])
    .option('--no-defaults', 'compare only the --base bases, not alpine/distroless/scratch/static')
    .option(
      '--user <uid[:gid]>',
      'user the app runs as in every image (default 65532:65532; root to see its cost)',
    )
    .option(
      '--with-dockerfile',
      'also docker build the app with the Dockerfile minnow dockerfile writes (Engine needed), one row per base',
    )
    .option(
      '--dockerfile-base <base>',
      'with --with-dockerfile, a base of those rows (repeatable; default alpine:3.19, distroless, scratch, static)',
      collect,
      [],
    )
    .option('--json', 'print the table as JSON')
    .option('--markdown', 'print the table as Markdown')
    .option(
      '--html <file>',
      'also write a self-contained HTML page with a size chart and the attack-surface table',
    )
    .action((args: string[], flags: CompareFlags) => run(args, flags));
}
