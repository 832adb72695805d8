import { stat } from 'node:fs/promises';

/** What is at `path`: a file, a directory, or nothing. */
export async function pathKind(path: string): Promise<'file' | 'dir' | undefined> {
  const s = await stat(path).catch(() => undefined);
  return s?.isFile() ? 'file' : s?.isDirectory() ? 'dir' : undefined;
}

/**
 * Splits `PATH[:REST]` or `PATH@DIGEST` where PATH exists, trying the longest prefix first (paths may hold colons
 * themselves); undefined when no prefix exists.
 */
export async function splitExistingPath(spec: string): Promise<{ path: string; rest?: string } | undefined> {
  if (await pathKind(spec)) return { path: spec };
  for (let i = spec.lastIndexOf(':'); i > 0; i = spec.lastIndexOf(':', i - 1)) {
    if (await pathKind(spec.slice(0, i))) return { path: spec.slice(0, i), rest: spec.slice(i + 1) };
  }
  const at = spec.lastIndexOf('@');
  if (at > 0 && (await pathKind(spec.slice(0, at))))
    return { path: spec.slice(0, at), rest: spec.slice(at + 1) };
  return undefined;
}
