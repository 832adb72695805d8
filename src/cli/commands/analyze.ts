import type { Command } from 'commander';
import { analyzeImage } from '../../analyze/analyze.js';
import { openImage } from '../../analyze/open.js';
import { originOf } from '../../base/resolve.js';
import { sourceGrammar, sourceHelpTable } from '../../base/resolve.js';
import { isMinnowError, messageOf } from '../../errors.js';
import {
  enforcePolicy,
  evaluatePolicy,
  parseRatio,
  parseSeverity,
  parseSize,
  type Policy,
} from '../../analyze/policy.js';
import { parsePlatform } from '../../oci/index.js';
import { renderAnalysisMarkdown, renderAnalysisText } from '../../report/analysis-text.js';
import { renderAnalysisHtml } from '../../report/analysis-html.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { formatBytes } from '../../util/size.js';
import { withSignals } from '../signals.js';
import { createStepProgress } from '../step-progress.js';

interface AnalyzeFlags {
  json?: boolean;
  markdown?: boolean;
  html?: string;
  failOn?: string;
  maxSize?: string;
  minEfficiency?: string;
  maxWastedBytes?: string;
  maxWastedPercent?: string;
  platform?: string;
  top: string;
  estimatePushSize?: boolean;
}

/** A failure as the JSON document `--json` promises on stdout: `{"error": {"code", "message", "hint"}}`. */
export function errorJson(err: unknown): string {
  const error = isMinnowError(err)
    ? { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) }
    : { code: 'INTERNAL', message: messageOf(err).split('\n')[0] };
  return `${JSON.stringify({ error }, null, 2)}\n`;
}

async function run(spec: string, flags: AnalyzeFlags): Promise<void> {
  let printed = false;
  try {
    await analyze(spec, flags, () => (printed = true));
  } catch (err) {
    // Under --json a CI job reads stdout: a failure is JSON there too (the one line still goes to stderr).
    if (flags.json && !printed) process.stdout.write(errorJson(err));
    throw err;
  }
}

async function analyze(spec: string, flags: AnalyzeFlags, onPrinted: () => void): Promise<void> {
  // Check every flag before reading anything.
  const policy: Policy = {
    ...(flags.failOn ? { failOn: parseSeverity(flags.failOn) } : {}),
    ...(flags.maxSize ? { maxSize: parseSize(flags.maxSize) } : {}),
    ...(flags.minEfficiency ? { minEfficiency: parseRatio(flags.minEfficiency, '--min-efficiency') } : {}),
    ...(flags.maxWastedBytes ? { maxWastedBytes: parseSize(flags.maxWastedBytes) } : {}),
    ...(flags.maxWastedPercent
      ? { maxWastedPercent: parseRatio(flags.maxWastedPercent, '--max-wasted-percent') }
      : {}),
  };
  const gated = Object.keys(policy).length > 0;
  const platform = flags.platform ? parsePlatform(flags.platform) : undefined;
  const top = Number(flags.top);
  const progress = createStepProgress(!flags.json);
  try {
    // Ctrl-C or SIGTERM aborts the work and becomes the one ABORTED error (exit 130/143).
    await withSignals(async (signal) => {
      progress.update(`reading ${spec}`);
      const image = await openImage(spec, {
        ...(platform ? { platform } : {}),
        registry: { onProgress: (e) => progress.transfer(e) },
        onEngineRead: engineReadProgress(spec, progress),
        signal,
      });
      // Bytes read so far, from the manifest's layer sizes: a large image shows progress, not a still spinner.
      const sizes = (await image.manifest()).layers.map((l) => l.size);
      const total = sizes.reduce((a, b) => a + b, 0);
      const readBytes = (upTo: number): number => sizes.slice(0, upTo).reduce((a, b) => a + b, 0);
      const source = await originOf(spec);
      const analysis = await analyzeImage(image, {
        reference: spec,
        ...(source ? { source } : {}),
        top: Number.isInteger(top) && top > 0 ? top : 10,
        onLayer: (i, n) =>
          progress.update(
            `analyzed layer ${i + 1}/${n}, ${formatBytes(readBytes(i + 1))} of ${formatBytes(total)} read`,
          ),
        // The Engine and `docker save` keep layers uncompressed. Estimating what a push would send gzips about 16 MiB
        // of each large layer (0.5 s of CPU for a 250 MB image, more than the rest of the analysis): asked for only.
        ...(flags.estimatePushSize ? { estimateCompressed: true } : {}),
        signal,
      });
      progress.stop();
      // Every format says whether the gates pass and, when not, which gate, finding and paths broke them.
      const verdict = gated ? evaluatePolicy(analysis, policy) : undefined;
      // --format html (or --html -) prints the page instead of the text report.
      if (flags.html && flags.html !== '-')
        await writeFileAtomic(flags.html, renderAnalysisHtml(analysis, verdict));
      if (flags.html === '-') process.stdout.write(renderAnalysisHtml(analysis, verdict));
      else if (flags.json) {
        process.stdout.write(
          `${JSON.stringify(verdict ? { ...analysis, policy: verdict } : analysis, null, 2)}\n`,
        );
      } else if (flags.markdown) process.stdout.write(renderAnalysisMarkdown(analysis, verdict));
      else process.stdout.write(renderAnalysisText(analysis, verdict));
      onPrinted();
      enforcePolicy(analysis, policy);
    });
  } finally {
    progress.stop();
  }
}

/** Bytes received from the Engine's `docker save`, shown every 16 MiB and at the end of each megabyte-less tail. */
function engineReadProgress(
  spec: string,
  progress: { update(message: string): void },
): (received: number, expected: number | undefined) => void {
  let shown = -Infinity;
  return (received, expected) => {
    if (received - shown < 16 * 1024 * 1024 && received !== expected) return;
    shown = received;
    const of = expected ? ` of about ${formatBytes(expected)}` : '';
    progress.update(`reading ${spec}: ${formatBytes(received)}${of} received from the Engine`);
  };
}

/** Registers `minnow analyze`. */
export function register(program: Command): void {
  program
    .command('analyze')
    .description('Measure an image: sizes, layers, files, efficiency and its attack surface in five parts')
    .argument('<image>', sourceGrammar())
    .addHelpText('after', `\n${sourceHelpTable()}`)
    .option('--json', 'print the analysis as JSON (stable; see docs/rules.md)')
    .option('--markdown', 'print the report as Markdown')
    .option('--html <file>', 'also write a self-contained HTML report (- for stdout)')
    .option(
      '--fail-on <severity>',
      'exit 3 when a finding is at least this severe (critical, high, medium, low, info)',
    )
    .option('--max-size <size>', 'exit 3 when the image is larger (10MB, 8MiB, bytes)')
    .option('--min-efficiency <ratio>', 'exit 3 when the efficiency score is lower (0.95 or 95%), as dive')
    .option('--max-wasted-bytes <size>', 'exit 3 when more bytes are wasted (20MB, bytes), as dive')
    .option(
      '--max-wasted-percent <ratio>',
      'exit 3 when a larger share of the image is wasted (0.1 or 10%), as dive',
    )
    .option('--platform <os/arch>', 'platform to pick from a multi-platform image')
    .option('--top <n>', 'how many largest files to list', '10')
    .option(
      '--estimate-push-size',
      'for layers stored uncompressed (docker save, daemon:), estimate what a push would gzip them to',
    )
    .action((spec: string, flags: AnalyzeFlags) => run(spec, flags));
}
