import { resolve } from 'node:path';
import type { Command } from 'commander';
import { MinnowError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';

/** ko's publish flags that `build` and the resolve commands share. */
export interface KoPublishFlags {
  tag: string[];
  tagOnly?: boolean;
  imageRefs?: string;
}

/** Adds `--tag-only` and `--image-refs FILE`. */
export function addKoPublishOptions(command: Command): Command {
  return command
    .option(
      '--tag-only',
      'refer to images by their one --tag instead of their digest (ko --tag-only; the tag must not be latest)',
    )
    .option(
      '--image-refs <file>',
      'also write the references of the images, one per line (written atomically)',
    );
}

/** ko's rule for --tag-only: the reference is the tag, so there must be exactly one and it must not move. */
export function checkTagOnly(flags: KoPublishFlags): void {
  if (!flags.tagOnly) return;
  if (flags.tag.length !== 1 || flags.tag[0] === 'latest') {
    throw new MinnowError('INVALID_ARGUMENT', '--tag-only needs exactly one --tag, and not latest', {
      hint: 'e.g. --tag-only -t v1.2.3: the reference is then REPO/NAME:v1.2.3',
    });
  }
}

/** Writes `--image-refs FILE`, one reference a line, through a temp file and a rename. */
export async function writeImageRefs(flags: KoPublishFlags, references: readonly string[]): Promise<void> {
  if (flags.imageRefs === undefined) return;
  await writeFileAtomic(resolve(flags.imageRefs), references.map((r) => `${r}\n`).join(''));
}
