import { MinnowError } from '../errors.js';

/**
 * The entrypoint of an image holding `binaries` (their names, in build order): the first binary when none is
 * given; a first element that is a binary's name (`beta`) becomes its path (`/app/beta`), so
 * `minnow build ./cmd/a ./cmd/b --entrypoint b` picks one without spelling out where minnow puts it. A first
 * element that is neither an absolute path nor a binary's name is refused, naming the binaries there are.
 */
export function entrypointFor(entrypoint: string[] | undefined, binaries: readonly string[]): string[] {
  const [first, ...rest] = entrypoint ?? [];
  if (first === undefined) return [`/app/${binaries[0] ?? 'app'}`];
  if (first.includes('/')) return [first, ...rest];
  if (binaries.includes(first)) return [`/app/${first}`, ...rest];
  throw new MinnowError('INVALID_ARGUMENT', `--entrypoint ${first} is not one of the binaries built`, {
    subject: first,
    hint: `binaries: ${binaries.join(', ')} (or give an absolute path)`,
  });
}
