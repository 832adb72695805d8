import { MinnowError } from '../../errors.js';
import { splitNameTag } from '../../oci/name-tag.js';
import type { BaseSource } from '../source.js';
import { splitExistingPath } from './local-path.js';

const PREFIX = 'oci:';

/** Splits `DIR[:TAG]` or `DIR@DIGEST` by the name rule: a last `:part` after the last slash is the tag. */
export function splitOciSpec(rest: string): { dir: string; tag?: string } {
  const { name, tag, digest } = splitNameTag(rest);
  const pick = digest ?? tag;
  return pick ? { dir: name, tag: pick } : { dir: rest };
}

/** `oci:DIR[:TAG]`: an OCI image layout directory, one image by tag or digest (or its only one). */
export const ociLayoutSource: BaseSource = {
  name: 'OCI layout',
  grammar: 'oci:DIR[:TAG]',
  help: 'an OCI image layout directory; TAG (or @sha256:…) picks one of its images',
  matches: (spec) => spec.startsWith(PREFIX),
  resolve: async (spec) => {
    const { dir, tag } = await layoutOfSpec(spec);
    // The image model loads only when a layout is read.
    return (await import('../layout.js')).readLayout(dir, tag ? { tag } : {});
  },
};

/** The directory and tag (or digest) an `oci:DIR[:TAG]` spec names. */
export async function layoutOfSpec(spec: string): Promise<{ dir: string; tag?: string }> {
  const rest = spec.slice(PREFIX.length);
  // A directory that exists wins, so a layout path may hold colons; else the name rule splits the tag off.
  const existing = await splitExistingPath(rest);
  const { dir, tag } = existing
    ? { dir: existing.path, ...(existing.rest ? { tag: existing.rest } : {}) }
    : splitOciSpec(rest);
  if (!dir)
    throw new MinnowError('INVALID_ARGUMENT', `invalid image "${spec}": want ${ociLayoutSource.grammar}`);
  return tag ? { dir, tag } : { dir };
}
