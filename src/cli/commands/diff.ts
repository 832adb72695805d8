import type { Command } from 'commander';
import { diffImages, type ImagesDiff } from '../../analyze/diff.js';
import { checkGrowth, parseGrowth } from '../../analyze/growth-gate.js';
import { openImage } from '../../analyze/open.js';
import { MinnowError } from '../../errors.js';
import { parsePlatform, type Image, type Platform } from '../../oci/index.js';
import { table } from '../../report/analysis-text.js';
import { renderDiffHtml } from '../../report/diff-html.js';
import { renderDiffMarkdown, renderDiffText } from '../../report/diff-text.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { withSignals } from '../signals.js';
import { createStepProgress, type StepProgress } from '../step-progress.js';

interface DiffFlags {
  json?: boolean;
  markdown?: boolean;
  html?: string;
  maxGrowth?: string;
  platform?: string;
  rev: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** What the positional arguments and --rev ask for, checked before anything is read or built. */
type Plan =
  | { kind: 'images'; specs: [string, string] }
  | { kind: 'revisions'; revisions: [string, string]; args: string[] };

function planOf(args: string[], flags: DiffFlags): Plan {
  if (flags.rev.length > 0) {
    if (flags.rev.length !== 2) {
      throw new MinnowError(
        'INVALID_ARGUMENT',
        `--rev is given twice (before and after), got ${flags.rev.length}`,
      );
    }
    if (args.length > 1) {
      throw new MinnowError(
        'INVALID_ARGUMENT',
        'with --rev, give at most one package (./cmd/app), not images',
      );
    }
    return { kind: 'revisions', revisions: [flags.rev[0]!, flags.rev[1]!], args };
  }
  if (args.length !== 2) {
    throw new MinnowError(
      'INVALID_ARGUMENT',
      `diff takes two images (or --rev A --rev B [PKG]), got ${args.length}`,
    );
  }
  return { kind: 'images', specs: [args[0]!, args[1]!] };
}

async function diffOf(
  plan: Plan,
  platform: Platform | undefined,
  progress: StepProgress,
  signal: AbortSignal,
): Promise<ImagesDiff> {
  if (plan.kind === 'revisions') {
    // Loaded only for --rev: a diff of two images starts without the build and the config reader.
    const { dir, packages } = await (await import('./build.js')).sourceOf(plan.args);
    const { diffRevisions } = await import('../../compare/diff-revisions.js');
    const { configuredBuild } = await import('../../config/build-options.js');
    return diffRevisions({
      dir,
      packages,
      revisions: plan.revisions,
      // Each checkout's own minnow.yaml, as `minnow build` there would read it.
      configured: async (d) => (await configuredBuild(d, packages)).options,
      ...(platform ? { build: { platforms: [platform] } } : {}),
      diff: { estimateCompressed: true },
      onProgress: (m) => progress.update(m),
      signal,
    });
  }
  const images: Image[] = [];
  for (const spec of plan.specs) {
    progress.update(`reading ${spec}`);
    images.push(
      await openImage(spec, {
        ...(platform ? { platform } : {}),
        registry: { onProgress: (e) => progress.transfer(e) },
        signal,
      }),
    );
  }
  progress.update('comparing');
  return diffImages(images[0]!, images[1]!, { references: plan.specs, estimateCompressed: true, signal });
}

async function run(args: string[], flags: DiffFlags): Promise<void> {
  // Check every flag before reading anything.
  const plan = planOf(args, flags);
  const limit = flags.maxGrowth ? parseGrowth(flags.maxGrowth) : undefined;
  const platform = flags.platform ? parsePlatform(flags.platform) : undefined;
  const progress = createStepProgress(!flags.json && flags.html !== '-');
  try {
    // Ctrl-C or SIGTERM aborts the work and becomes the one ABORTED error (exit 130/143).
    await withSignals(async (signal) => {
      const result = await diffOf(plan, platform, progress, signal);
      progress.stop();
      // Every format says whether the gate passed and, when not, by how much.
      const gate = limit ? checkGrowth(result.diff, limit, flags.maxGrowth!) : undefined;
      const d = gate ? { ...result.diff, gate } : result.diff;
      const full = { ...result, diff: d };
      if (flags.html && flags.html !== '-') await writeFileAtomic(flags.html, renderDiffHtml(full));
      if (flags.html === '-') process.stdout.write(renderDiffHtml(full));
      else if (flags.json) process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
      else if (flags.markdown) process.stdout.write(renderDiffMarkdown(d));
      else process.stdout.write(renderDiffText(d, table));
      if (gate && !gate.passed) {
        throw new MinnowError('POLICY_FAILED', `${d.b.reference}: ${gate.message}`, {
          subject: d.b.reference,
        });
      }
    });
  } finally {
    progress.stop();
  }
}

/** Registers `minnow diff`. */
export function register(program: Command): void {
  program
    .command('diff')
    .description(
      'What changed between two images, or two git revisions of a package: layers, Go modules and packages, files, OS packages, findings',
    )
    .usage('[options] A B | --rev A --rev B [PKG]')
    .argument(
      '[images...]',
      'the image before and the image after (any image `minnow analyze` reads); with --rev, the package',
    )
    .option(
      '--rev <revision>',
      'build the package at this git revision (give it twice: before, after)',
      collect,
      [],
    )
    .option('--json', 'print the diff as JSON')
    .option('--markdown', 'print the diff as Markdown (a pull-request comment)')
    .option('--html <file>', 'also write a self-contained HTML report (- for stdout)')
    .option('--max-growth <limit>', 'exit 3 when the compressed size grew by more than this (5%, 200KB)')
    .option('--platform <os/arch>', 'platform to pick from multi-platform images (with --rev: to build)')
    .action((args: string[], flags: DiffFlags) => run(args, flags));
}
