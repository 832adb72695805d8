import type { Command } from 'commander';
import { analyzeImage } from '../../analyze/analyze.js';
import { openImage } from '../../analyze/open.js';
import { enforcePolicy, parseSeverity, parseSize, type Policy } from '../../analyze/policy.js';
import { parsePlatform } from '../../oci/index.js';
import { renderAnalysisMarkdown, renderAnalysisText } from '../../report/analysis-text.js';
import { renderAnalysisHtml } from '../../report/compare-html.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { formatBytes } from '../../util/size.js';
import { trapSignals } from '../signals.js';
import { createStepProgress } from '../step-progress.js';

interface AnalyzeFlags {
  json?: boolean;
  markdown?: boolean;
  html?: string;
  failOn?: string;
  maxSize?: string;
  platform?: string;
  top: string;
}

async function run(spec: string, flags: AnalyzeFlags): Promise<void> {
  // Check every flag before reading anything.
  const policy: Policy = {
    ...(flags.failOn ? { failOn: parseSeverity(flags.failOn) } : {}),
    ...(flags.maxSize ? { maxSize: parseSize(flags.maxSize) } : {}),
  };
  const platform = flags.platform ? parsePlatform(flags.platform) : undefined;
  const top = Number(flags.top);
  const progress = createStepProgress(!flags.json);
  const trap = trapSignals();
  try {
    progress.update(`reading ${spec}`);
    const image = await openImage(spec, {
      ...(platform ? { platform } : {}),
      registry: { onProgress: (e) => progress.transfer(e) },
      signal: trap.signal,
    });
    // Bytes read so far, from the manifest's layer sizes: a large image shows progress, not a still spinner.
    const sizes = (await image.manifest()).layers.map((l) => l.size);
    const total = sizes.reduce((a, b) => a + b, 0);
    const readBytes = (upTo: number): number => sizes.slice(0, upTo).reduce((a, b) => a + b, 0);
    const analysis = await analyzeImage(image, {
      reference: spec,
      top: Number.isInteger(top) && top > 0 ? top : 10,
      onLayer: (i, n) =>
        progress.update(
          `analyzed layer ${i + 1}/${n}, ${formatBytes(readBytes(i + 1))} of ${formatBytes(total)} read`,
        ),
      // The Engine and `docker save` keep layers uncompressed: report what a push would send instead.
      estimateCompressed: true,
      signal: trap.signal,
    });
    progress.stop();
    // --format html (or --html -) prints the page instead of the text report.
    if (flags.html && flags.html !== '-') await writeFileAtomic(flags.html, renderAnalysisHtml(analysis));
    if (flags.html === '-') process.stdout.write(renderAnalysisHtml(analysis));
    else if (flags.json) process.stdout.write(`${JSON.stringify(analysis, null, 2)}\n`);
    else if (flags.markdown) process.stdout.write(renderAnalysisMarkdown(analysis));
    else process.stdout.write(renderAnalysisText(analysis));
    enforcePolicy(analysis, policy);
  } catch (err) {
    throw trap.interrupted(err) ?? err;
  } finally {
    progress.stop();
    trap.release();
  }
}

/** Registers `minnow analyze`. */
export function register(program: Command): void {
  program
    .command('analyze')
    .description('Measure an image: sizes, layers, files, efficiency and its attack surface in five parts')
    .argument(
      '<image>',
      'oci:DIR[:TAG], docker-archive:FILE[:NAME:TAG], daemon:NAME[:TAG], a docker save tarball, or a reference',
    )
    .option('--json', 'print the analysis as JSON (stable; see docs/rules.md)')
    .option('--markdown', 'print the report as Markdown')
    .option('--html <file>', 'also write a self-contained HTML report (- for stdout)')
    .option(
      '--fail-on <severity>',
      'exit 3 when a finding is at least this severe (critical, high, medium, low, info)',
    )
    .option('--max-size <size>', 'exit 3 when the image is larger (10MB, 8MiB, bytes)')
    .option('--platform <os/arch>', 'platform to pick from a multi-platform image')
    .option('--top <n>', 'how many largest files to list', '10')
    .action((spec: string, flags: AnalyzeFlags) => run(spec, flags));
}
