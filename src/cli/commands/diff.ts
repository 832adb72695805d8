import type { Command } from 'commander';
import { analyzeImage } from '../../analyze/analyze.js';
import { diffAnalyses, growthViolation, parseGrowth } from '../../analyze/diff.js';
import { openImage } from '../../analyze/open.js';
import { MinnowError } from '../../errors.js';
import { parsePlatform } from '../../oci/index.js';
import { table } from '../../report/analysis-text.js';
import { renderDiffMarkdown, renderDiffText } from '../../report/diff-text.js';
import { withSignals } from '../signals.js';
import { createStepProgress } from '../step-progress.js';

interface DiffFlags {
  json?: boolean;
  markdown?: boolean;
  maxGrowth?: string;
  platform?: string;
}

async function run(first: string, second: string, flags: DiffFlags): Promise<void> {
  const limit = flags.maxGrowth ? parseGrowth(flags.maxGrowth) : undefined;
  const platform = flags.platform ? parsePlatform(flags.platform) : undefined;
  const progress = createStepProgress(!flags.json);
  try {
    // Ctrl-C or SIGTERM aborts the work and becomes the one ABORTED error (exit 130/143).
    await withSignals(async (signal) => {
      const analyses = [];
      for (const spec of [first, second]) {
        progress.update(`reading ${spec}`);
        const image = await openImage(spec, {
          ...(platform ? { platform } : {}),
          registry: { onProgress: (e) => progress.transfer(e) },
          signal,
        });
        analyses.push(await analyzeImage(image, { reference: spec, estimateCompressed: true, signal }));
      }
      progress.stop();
      const d = diffAnalyses(analyses[0]!, analyses[1]!);
      if (flags.json) process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
      else if (flags.markdown) process.stdout.write(renderDiffMarkdown(d));
      else process.stdout.write(renderDiffText(d, table));
      const why = limit ? growthViolation(d, limit) : undefined;
      if (why) throw new MinnowError('POLICY_FAILED', `${second}: ${why}`, { subject: second });
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
      'What changed between two images: layers, Go modules and packages, files, OS packages, findings',
    )
    .argument('<a>', 'the image before: any image `minnow analyze` reads')
    .argument('<b>', 'the image after')
    .option('--json', 'print the diff as JSON')
    .option('--markdown', 'print the diff as Markdown (a pull-request comment)')
    .option('--max-growth <limit>', 'exit 3 when the compressed size grew by more than this (5%, 200KB)')
    .option('--platform <os/arch>', 'platform to pick from multi-platform images')
    .action((a: string, b: string, flags: DiffFlags) => run(a, b, flags));
}
