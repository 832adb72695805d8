import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

/** A .dockerignore pattern, compiled. */
interface IgnorePattern {
  re: RegExp;
  negate: boolean;
}

function compilePattern(raw: string): IgnorePattern | undefined {
  let p = raw.trim();
  if (p === '' || p.startsWith('#')) return undefined;
  const negate = p.startsWith('!');
  if (negate) p = p.slice(1).trim();
  p = posix.normalize(p).replace(/^\/+/, '').replace(/\/+$/, '');
  if (p === '.' || p === '') return negate ? undefined : { re: /^.*$/, negate };
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*' && p[i + 1] === '*') {
      i++;
      if (p[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  // A pattern naming a directory excludes everything under it.
  return { re: new RegExp(`^${re}(?:/.*)?$`), negate };
}

/**
 * A .dockerignore matcher with the Engine's rules: patterns are relative to the context root, `*` and `?` stay
 * within one path element, `**` spans any number, `!` re-includes, and the last matching pattern wins.
 */
export function dockerignoreMatcher(text: string): ((path: string) => boolean) & { hasExceptions: boolean } {
  const patterns = text
    .split(/\r?\n/)
    .map(compilePattern)
    .filter((p): p is IgnorePattern => p !== undefined);
  const matcher = (path: string): boolean => {
    let excluded = false;
    for (const p of patterns) if (p.re.test(path)) excluded = !p.negate;
    return excluded;
  };
  matcher.hasExceptions = patterns.some((p) => p.negate);
  return matcher;
}

/** What goes into a build context besides the directory's own files. */
export interface BuildContextOptions {
  /** Files added at the context root (a generated Dockerfile), by name. */
  extraFiles?: Record<string, string>;
  /** .dockerignore text used when the directory has none. */
  defaultDockerignore?: string;
}

/**
 * The build context of `dir` as a tar stream, with .dockerignore applied (the directory's, else
 * `defaultDockerignore`). Files are streamed from disk, never held whole in memory.
 */
export async function buildContextTar(dir: string, options: BuildContextOptions = {}): Promise<tar.Pack> {
  const own = await readFile(join(dir, '.dockerignore'), 'utf8').catch(() => undefined);
  const ignored = dockerignoreMatcher(own ?? options.defaultDockerignore ?? '');
  const extra = options.extraFiles ?? {};
  const pack = tar.pack();
  const add = async (host: string, rel: string): Promise<void> => {
    for (const name of (await readdir(host)).sort()) {
      const path = rel === '' ? name : `${rel}/${name}`;
      if (path in extra) continue;
      const file = join(host, name);
      const st = await lstat(file);
      const skip = ignored(path);
      // An excluded directory is still walked when a `!` pattern may re-include something below it.
      if (skip && !(st.isDirectory() && ignored.hasExceptions)) continue;
      const common = { name: path, mode: st.mode & 0o7777, mtime: st.mtime, uid: 0, gid: 0 };
      if (st.isDirectory()) {
        if (!skip) pack.entry({ ...common, type: 'directory' });
        await add(file, path);
      } else if (st.isSymbolicLink()) {
        pack.entry({ ...common, type: 'symlink', linkname: await readlink(file) });
      } else if (st.isFile()) {
        await pipeline(createReadStream(file), pack.entry({ ...common, type: 'file', size: st.size }));
      }
    }
  };
  void (async () => {
    try {
      await add(dir, '');
      for (const [name, text] of Object.entries(extra)) {
        pack.entry({ name, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0 }, text);
      }
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
  })();
  return pack;
}
