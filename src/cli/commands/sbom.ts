import type { Command } from 'commander';
import { analyzeImage } from '../../analyze/analyze.js';
import { openImage } from '../../analyze/open.js';
import { sourceGrammar, sourceHelpTable } from '../../base/resolve.js';
import { parseSbomFormat, renderSbom } from '../../analyze/sbom/index.js';
import { parsePlatform } from '../../oci/index.js';
import { writeFileAtomic } from '../../util/atomic.js';

interface SbomFlags {
  format: string;
  output?: string;
  platform?: string;
}

async function run(spec: string, flags: SbomFlags): Promise<void> {
  const format = parseSbomFormat(flags.format);
  const platform = flags.platform ? parsePlatform(flags.platform) : undefined;
  const image = await openImage(spec, platform ? { platform } : {});
  const text = renderSbom(await analyzeImage(image, { reference: spec }), format);
  // Written through a temp file and a rename: a failed run never leaves half an SBOM behind.
  if (flags.output && flags.output !== '-') await writeFileAtomic(flags.output, text);
  else process.stdout.write(text);
}

/** Registers `minnow sbom`. */
export function register(program: Command): void {
  program
    .command('sbom')
    .description(
      'Write the software bill of materials of an image: OS packages and the Go modules of its binaries',
    )
    .argument('<image>', sourceGrammar())
    .addHelpText('after', `\n${sourceHelpTable()}`)
    .option('--format <format>', 'spdx-json or cyclonedx-json', 'spdx-json')
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .option('--platform <os/arch>', 'platform to pick from a multi-platform image')
    .action((spec: string, flags: SbomFlags) => run(spec, flags));
}
