import { lstat } from 'node:fs/promises';
import type { Command } from 'commander';
import { analyzeImage } from '../../analyze/analyze.js';
import { openImage } from '../../analyze/open.js';
import { imageNameOf, sourceGrammar, sourceHelpTable } from '../../base/resolve.js';
import { parseSbomFormat, renderSbom, type SbomFormat } from '../../analyze/sbom/index.js';
import { parsePlatform, type Platform } from '../../oci/index.js';
import { isReference } from '../../registry/reference.js';
import { writeFileAtomic } from '../../util/atomic.js';

interface SbomFlags {
  format: string;
  attached: boolean;
  output?: string;
  platform?: string;
}

/** The SBOM attached to a registry image, when the spec is a reference and one of `format` is attached. */
async function attachedSbom(
  spec: string,
  format: SbomFormat,
  platform: Platform | undefined,
): Promise<string | undefined> {
  // A registry reference, or a layout (a signed build writes its SBOM there); no other kind keeps one.
  const layout = spec.startsWith('oci:');
  if (!layout && /^[a-z-]+:(?!\d)/.test(spec) && !/^[^/]+:\d+\//.test(spec)) return undefined;
  if (!layout && (!isReference(spec) || (await lstat(spec).catch(() => undefined)))) return undefined;
  const [{ readAttachedSbom }, { RegistryClient }] = await Promise.all([
    import('../../attest/list.js'),
    import('../../registry/client.js'),
  ]);
  const client = new RegistryClient();
  try {
    return await readAttachedSbom(client, spec, { format, ...(platform ? { platform } : {}) });
  } catch {
    // Nothing readable attached (or no referrers to list): the SBOM is computed from the image instead.
    return undefined;
  } finally {
    await client.close();
  }
}

async function run(spec: string, flags: SbomFlags): Promise<void> {
  const format = parseSbomFormat(flags.format);
  const platform = flags.platform ? parsePlatform(flags.platform) : undefined;
  const text =
    (flags.attached ? await attachedSbom(spec, format, platform) : undefined) ??
    renderSbom(
      await analyzeImage(await openImage(spec, platform ? { platform } : {}), {
        // The image as it is named (a docker save's RepoTags), not after the file it was read from.
        reference: (await imageNameOf(spec)) ?? spec,
        attribute: false,
      }),
      format,
    );
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
    .option('--no-attached', 'compute the SBOM even when the registry image has one attached')
    .action((spec: string, flags: SbomFlags) => run(spec, flags));
}
