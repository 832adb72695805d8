import { cp, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { MinnowError, messageOf } from '../errors.js';
import { execFileText as run } from '../util/exec-file.js';
import { makeDirs } from '../util/make-dirs.js';

/** Runs git in `cwd` without prompts, optional locks or translated messages; its stdout. */
export async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', args, {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' },
  });
  return stdout;
}

/** The top of the git work tree `dir` is in, or undefined outside git. */
export async function gitTopLevel(dir: string): Promise<string | undefined> {
  try {
    return (await git(dir, ['rev-parse', '--show-toplevel'])).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A copy of a source tree. */
export interface ClonedSource {
  /** The module directory's counterpart in the copy. */
  dir: string;
  /** The counterpart of an absolute path inside the copied tree; other paths are returned as they are. */
  map(path: string): string;
}

/** Maps absolute paths under `from` to their counterparts under `to`; other paths are returned as they are. */
export function mapper(from: string, to: string): (path: string) => string {
  return (path) => {
    const rel = relative(from, path);
    return isAbsolute(path) && rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? join(to, rel) : path;
  };
}

/**
 * Makes a second copy of the source at `dest` and returns `moduleDir`'s counterpart in it, with `map` to find
 * the counterpart of any other path of the copied tree.
 *
 * Inside a git work tree this is a real clone at the same commit (objects shared, files checked out afresh, so
 * mtimes, inode order and the index differ as they would on another machine), with the work tree's uncommitted
 * changes and untracked, not-ignored files laid over it and its deleted files removed, so a dirty tree is cloned
 * dirty. Outside git it is a plain recursive copy of `moduleDir`.
 */
export async function cloneSource(moduleDir: string, dest: string): Promise<ClonedSource> {
  const src = resolve(moduleDir);
  const top = await gitTopLevel(src);
  await makeDirs(dirname(dest));
  try {
    if (!top) {
      await cp(src, dest, { recursive: true, verbatimSymlinks: true, errorOnExist: true });
      return { dir: dest, map: mapper(src, dest) };
    }
    const head = (await git(top, ['rev-parse', '--verify', 'HEAD'])).trim();
    await git(dirname(dest), ['clone', '--quiet', '--no-checkout', '--shared', top, dest]);
    await git(dest, ['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', head]);
    // The clone's origin is the local path; give it the source's, which provenance records.
    const origin = await git(top, ['config', '--get', 'remote.origin.url']).then(
      (o) => o.trim(),
      () => '',
    );
    if (origin) await git(dest, ['remote', 'set-url', 'origin', origin]);
    else await git(dest, ['remote', 'remove', 'origin']);
    const changed = (await git(top, ['ls-files', '-z', '--modified', '--others', '--exclude-standard']))
      .split('\0')
      .filter(Boolean);
    const deleted = new Set((await git(top, ['ls-files', '-z', '--deleted'])).split('\0').filter(Boolean));
    for (const f of deleted) await rm(join(dest, f), { force: true });
    for (const f of changed) {
      if (deleted.has(f)) continue;
      await makeDirs(dirname(join(dest, f)));
      await cp(join(top, f), join(dest, f), { verbatimSymlinks: true, force: true });
    }
    return { dir: join(dest, relative(top, src)), map: mapper(top, dest) };
  } catch (err) {
    throw new MinnowError('INTERNAL', `cannot copy ${src} to ${dest}: ${messageOf(err).split('\n')[0]}`, {
      subject: src,
      cause: err,
    });
  }
}
