import { isMinnowError, MinnowError } from '../errors.js';
import type { ImageOrIndex } from '../oci/index.js';
import type { BaseSource, ResolveBaseOptions } from './source.js';
import { builtinSource } from './sources/builtin.js';
import { daemonSource } from './sources/daemon.js';
import { dockerArchiveSource } from './sources/docker-archive.js';
import { ociLayoutSource } from './sources/oci-layout.js';
import { pathSource } from './sources/path.js';
import { registrySource } from './sources/registry.js';

export type { BaseSource, ResolveBaseOptions } from './source.js';
export { splitOciSpec } from './sources/oci-layout.js';

/**
 * The kinds of image minnow reads, tried in order; the CLI's help and the "unknown base" hint are generated from
 * it. Adding a kind is one file under sources/ and one line here (docs/architecture.md, "Adding a source").
 */
export const BASE_SOURCES: readonly BaseSource[] = [
  builtinSource,
  ociLayoutSource,
  dockerArchiveSource,
  daemonSource,
  pathSource,
  // Last: most strings parse as a reference, so every other kind must get its chance first.
  registrySource,
];

/** The source that reads `spec`, or undefined. */
export async function sourceFor(spec: string): Promise<BaseSource | undefined> {
  for (const s of BASE_SOURCES) if (await s.matches(spec)) return s;
  return undefined;
}

/** The accepted forms in one line, for help and hints: `static, scratch, oci:DIR[:TAG], … or REF`. */
export function sourceGrammar(): string {
  const forms = BASE_SOURCES.map((s) => s.grammar);
  return `${forms.slice(0, -1).join(', ')} or ${forms.at(-1) ?? ''}`;
}

/** One line per kind (`  oci:DIR[:TAG]  an OCI image layout directory; …`), for the end of a command's help. */
export function sourceHelpTable(): string {
  const width = Math.max(...BASE_SOURCES.map((s) => s.grammar.length));
  const rows = BASE_SOURCES.map((s) => `  ${s.grammar.padEnd(width)}  ${s.help}`);
  return `Image sources:\n${rows.join('\n')}\n`;
}

/** Where an image is read from: the kind's display name and the full place (`registry`, `docker.io/library/…`). */
export interface ImageOrigin {
  kind: string;
  where: string;
}

/** Says where `spec` is read from, before or after reading it (no I/O beyond the kind's own matching). */
export async function originOf(spec: string): Promise<ImageOrigin | undefined> {
  const source = await sourceFor(spec);
  if (!source) return undefined;
  return { kind: source.name, where: source.where ? await source.where(spec) : spec };
}

/** The image's own name where `spec`'s kind keeps one (`golang:1.21` for a docker save of it), else undefined. */
export async function imageNameOf(spec: string): Promise<string | undefined> {
  return (await sourceFor(spec))?.imageName?.(spec);
}

/** Reads an image or index from any kind in BASE_SOURCES. */
export async function resolveBase(spec: string, options: ResolveBaseOptions = {}): Promise<ImageOrIndex> {
  const source = await sourceFor(spec);
  if (!source) {
    // A spec that is almost a registry reference (uppercase, a short digest, a bad port): say why it is not one.
    const { parseReference } = await import('../registry/reference.js');
    try {
      parseReference(spec);
    } catch (err) {
      if (isMinnowError(err, 'INVALID_ARGUMENT')) {
        throw new MinnowError(
          'INVALID_ARGUMENT',
          `invalid base "${spec}": ${err.message.replace(/^invalid image reference "[^"]*": /, '')}`,
          {
            subject: spec,
            hint: `use ${sourceGrammar()} (a registry reference such as alpine:3.19)`,
          },
        );
      }
    }
    throw new MinnowError('INVALID_ARGUMENT', `unknown base "${spec}"`, {
      subject: spec,
      hint: `use ${sourceGrammar()} (a registry reference such as alpine:3.19)`,
    });
  }
  return source.resolve(spec, options);
}
