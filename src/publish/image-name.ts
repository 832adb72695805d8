import { MinnowError } from '../errors.js';
import { splitNameTag } from '../oci/name-tag.js';

export { splitNameTag };

const NAME_RE =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Whether a tag is one the Engine and registries accept (`v1.2`, `latest`). */
export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/**
 * What is wrong with an image name and tag as the Engine takes them (`localhost:5000/team/app`, `v1.2`), or
 * undefined when nothing is.
 */
export function imageNameProblem(name: string, tag: string): string | undefined {
  if (!NAME_RE.test(name)) return `"${name}" is not a valid image name (lowercase, a-z 0-9 . _ - /)`;
  if (!TAG_RE.test(tag)) return `"${tag}" is not a valid tag`;
  return undefined;
}

/** Splits `NAME[:TAG]` (tag default `latest`) and checks both. */
export function parseNameTag(value: string): { name: string; tag: string } {
  const { name, tag = 'latest', digest } = splitNameTag(value);
  if (digest !== undefined || imageNameProblem(name, tag)) {
    throw new MinnowError('INVALID_ARGUMENT', `invalid image name "${value}": want NAME[:TAG], lowercase`, {
      subject: value,
    });
  }
  return { name, tag };
}
