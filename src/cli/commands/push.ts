import { basename } from 'node:path';
import type { Command } from 'commander';
import { resolveBase, sourceGrammar, sourceHelpTable } from '../../base/resolve.js';
import { isMinnowError, MinnowError } from '../../errors.js';
import type { CopyAttachmentsResult } from '../../attest/copy.js';
import type { Digest, ImageOrIndex } from '../../oci/index.js';
import { splitNameTag } from '../../publish/image-name.js';
import { createSink, sinkForms } from '../../publish/sinks/kinds.js';
import type { ImageName } from '../../publish/sinks/sink.js';
import { RegistryClient } from '../../registry/client.js';
import { isReference, parseReference, referenceName } from '../../registry/reference.js';
import { trapSignals } from '../signals.js';
import { createTransferRenderer } from '../transfer-progress.js';

interface PushFlags {
  tag: string[];
  insecureRegistry: string[];
  /** False with --no-attachments. */
  attachments: boolean;
  /** Sign what was pushed (cosign's format or PKCS#8). */
  signKey?: string;
  /** Attach an SBOM of the pushed image in this format. */
  sbomFormat?: string;
  force?: boolean;
  quiet?: boolean;
  json?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Any image minnow reads (BASE_SOURCES); every platform of an index is copied. */
async function readSource(spec: string, client: RegistryClient, signal: AbortSignal): Promise<ImageOrIndex> {
  return resolveBase(spec, { registry: { client, cacheDir: false }, signal });
}

/**
 * The name a docker tarball or the Engine records when the destination names none: the source's own
 * (`registry/repo:tag`, `daemon:NAME:TAG`), else its file or directory name, tagged as the layout tag says.
 */
export function nameFromSource(source: string): ImageName {
  const prefix = /^(oci|docker-archive|daemon):/.exec(source)?.[1];
  if (!prefix && isReference(source)) {
    const ref = parseReference(source);
    return { name: referenceName(ref), tag: ref.tag ?? 'latest' };
  }
  const rest = prefix ? source.slice(prefix.length + 1) : source;
  const { name: path, tag } = prefix === 'docker-archive' ? { name: rest } : splitNameTag(rest);
  if (prefix === 'daemon') return { name: path, tag: tag ?? 'latest' };
  const name = basename(path)
    .replace(/\.tar$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-');
  return { name: /^[a-z0-9]/.test(name) ? name : `minnow-${name}`, tag: tag ?? 'latest' };
}

async function push(source: string, destination: string, flags: PushFlags): Promise<void> {
  const client = new RegistryClient({ insecureRegistries: flags.insecureRegistry });
  const renderer = createTransferRenderer(!flags.quiet && !flags.json);
  const trap = trapSignals();
  try {
    const sink = createSink(destination, {
      flag: 'destination',
      registryByDefault: true,
      registryClient: client,
      tags: flags.tag,
      force: flags.force ?? false,
    });
    for (const [given, flag] of [
      [flags.tag.length > 0, '--tag'],
      [flags.signKey !== undefined, '--sign-key'],
      [flags.sbomFormat !== undefined, '--sbom-format'],
    ] as const) {
      if (given && sink.kind !== 'registry') {
        throw new MinnowError(
          'INVALID_ARGUMENT',
          `${flag} applies to registry destinations, not ${sink.description}`,
        );
      }
    }
    // The key read (and decrypted) before anything is pushed: a wrong path or password stops the push, not its end.
    const attest =
      flags.signKey !== undefined || flags.sbomFormat !== undefined
        ? await (await import('../push-attest.js')).preparePushAttest(flags)
        : undefined;
    await sink.check();
    const target = await readSource(source, client, trap.signal);
    const result = await sink.write(target, {
      name: nameFromSource(source),
      onProgress: (e) => renderer.onProgress(e),
      signal: trap.signal,
    });
    const attachments = flags.attachments
      ? await copyAttached(source, destination, sink.kind, target, client, trap.signal).catch(
          (err: unknown) => {
            // The image is there: say so, so the one line does not read as a failed push.
            if (!isMinnowError(err) || err.code === 'ABORTED') throw err;
            throw new MinnowError(
              err.code,
              `pushed ${result.reference}, but not all of its attachments: ${err.message}`,
              { cause: err, hint: '--no-attachments pushes the image alone' },
            );
          },
        )
      : undefined;
    // After the copy: a signature of ours joins the source's under the same cosign tag.
    if (result.push && attest) await attest.attach(result.push.ref, target, client, trap.signal);
    renderer.stop();
    if (flags.json) {
      const shown = result.push ?? result;
      process.stdout.write(`${JSON.stringify(attachments ? { ...shown, attachments } : shown, null, 2)}\n`);
    } else {
      if (attachments && !flags.quiet) process.stderr.write(attachedLine(attachments));
      process.stdout.write(`${result.reference}\n`);
    }
  } catch (err) {
    throw trap.interrupted(err) ?? err;
  } finally {
    trap.release();
    renderer.stop();
    await client.close();
  }
}

/** The image and, for an index, each of its platform images: what attachments name as their subject. */
async function subjectsOf(target: ImageOrIndex): Promise<Digest[]> {
  if (target.kind === 'image') return [await target.image.digest()];
  const index = await target.index.indexManifest();
  return [await target.index.digest(), ...index.manifests.map((d) => d.digest)];
}

/**
 * Copies what the source has attached to the image (referrers, cosign's signatures and attestations) to where
 * it was pushed (a registry, a layout), so that a promoted image still verifies there. Loaded after the push.
 */
async function copyAttached(
  source: string,
  destination: string,
  sinkKind: string,
  target: ImageOrIndex,
  client: RegistryClient,
  signal: AbortSignal,
): Promise<CopyAttachmentsResult | undefined> {
  const [{ attachmentSourceOf }, { attachmentTargetOf }, { copyAttachments }] = await Promise.all([
    import('../../attest/attachment-source.js'),
    import('../../attest/attachment-target.js'),
    import('../../attest/copy.js'),
  ]);
  const to = attachmentTargetOf(destination, sinkKind, client);
  const from = to && (await attachmentSourceOf(source, client));
  if (!to || !from) return undefined;
  return copyAttachments(from, to, await subjectsOf(target), { signal });
}

/**
 * `attachments: 4 referrers, 3 .sig copied, 3 .att copied` on stderr (stdout stays the reference alone); nothing
 * when the source has none.
 */
function attachedLine(copied: CopyAttachmentsResult): string {
  if (!copied.referrers.length && !copied.tags.length) return '';
  const counts = new Map<string, number>();
  for (const t of copied.tags) {
    const key = `${t.tag.slice(t.tag.lastIndexOf('.'))} ${t.action}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const referrers = `${copied.referrers.length} referrer${copied.referrers.length === 1 ? '' : 's'}`;
  return `attachments: ${[referrers, ...[...counts].map(([k, n]) => `${n} ${k}`)].join(', ')}\n`;
}

/** `minnow push SOURCE DESTINATION`: copies an image (an OCI layout, another registry's) to any sink. */
export function register(program: Command): void {
  program
    .command('push')
    .description(
      'Copy an image (OCI layout, docker archive, the Engine, a registry) to a registry or another destination; prints where it went (name@sha256:... for a registry)',
    )
    .argument('<source>', `what to push (every platform of an index): ${sourceGrammar()}`)
    .argument('<destination>', `${sinkForms()}, e.g. ghcr.io/org/app:v1 or daemon:app:v1`)
    .addHelpText('after', `\n${sourceHelpTable()}`)
    .option('-t, --tag <tag>', 'another tag in the same repository (repeatable)', collect, [])
    .option(
      '--insecure-registry <host>',
      'allow plain HTTP or an unverified certificate for this host',
      collect,
      [],
    )
    .option(
      '--no-attachments',
      "do not copy the source's referrers (SBOMs, provenance), signatures and attestations (to a registry or oci:)",
    )
    .option(
      '--sign-key <file>',
      "sign the pushed image (and each platform image) with this key, as cosign sign does (cosign's format or PKCS#8)",
    )
    .option(
      '--sbom-format <format>',
      'attach an SBOM computed from the image: spdx-json or cyclonedx-json (signed too with --sign-key)',
    )
    .option('--force', 'replace a destination path that exists and is something else')
    .option('-q, --quiet', 'print only where it went')
    .option('--json', 'print the result as JSON')
    .action(async (source: string, destination: string, flags: PushFlags) =>
      push(source, destination, flags),
    );
}
