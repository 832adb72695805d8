import type { Command } from 'commander';
import { resolveBase, sourceGrammar, sourceHelpTable } from '../../base/resolve.js';
import type { ImageOrIndex } from '../../oci/index.js';
import { pushImage } from '../../publish/registry.js';
import { RegistryClient } from '../../registry/client.js';
import { parseReference } from '../../registry/reference.js';
import { trapSignals } from '../signals.js';
import { createTransferRenderer } from '../transfer-progress.js';

interface PushFlags {
  tag: string[];
  insecureRegistry: string[];
  quiet?: boolean;
  json?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Any image minnow reads (BASE_SOURCES); every platform of an index is copied. */
async function readSource(spec: string, client: RegistryClient, signal: AbortSignal): Promise<ImageOrIndex> {
  return resolveBase(spec, { registry: { client, cacheDir: false }, signal });
}

async function push(source: string, destination: string, flags: PushFlags): Promise<void> {
  const ref = parseReference(destination);
  const renderer = createTransferRenderer(!flags.quiet && !flags.json);
  const client = new RegistryClient({ insecureRegistries: flags.insecureRegistry });
  const trap = trapSignals();
  try {
    const target = await readSource(source, client, trap.signal);
    const result = await pushImage(ref, target, {
      client,
      tags: flags.tag,
      onProgress: (e) => renderer.onProgress(e),
      signal: trap.signal,
    });
    renderer.stop();
    if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(`${result.ref}\n`);
  } catch (err) {
    throw trap.interrupted(err) ?? err;
  } finally {
    trap.release();
    renderer.stop();
    await client.close();
  }
}

/** `minnow push SOURCE REF`: copies an OCI layout (or another registry's image) to a registry. */
export function register(program: Command): void {
  program
    .command('push')
    .description(
      'Push an OCI layout (oci:DIR[:TAG]) or a registry image to a registry; prints name@sha256:...',
    )
    .argument('<source>', `what to push (every platform of an index): ${sourceGrammar()}`)
    .addHelpText('after', `\n${sourceHelpTable()}`)
    .argument('<ref>', 'destination, e.g. ghcr.io/org/app:v1')
    .option('-t, --tag <tag>', 'another tag in the same repository (repeatable)', collect, [])
    .option(
      '--insecure-registry <host>',
      'allow plain HTTP or an unverified certificate for this host',
      collect,
      [],
    )
    .option('-q, --quiet', 'print only the pushed name@digest')
    .option('--json', 'print the result as JSON')
    .action(async (source: string, ref: string, flags: PushFlags) => push(source, ref, flags));
}
