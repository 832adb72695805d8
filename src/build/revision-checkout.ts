import { realpath } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { MinnowError, messageOf } from '../errors.js';
import { makeDirs } from '../util/make-dirs.js';
import { git, gitTopLevel, mapper, type ClonedSource } from './clone-source.js';

/** A checkout of one revision, and the commit it resolved to. */
export interface RevisionCheckout extends ClonedSource {
  /** The full commit hash `revision` named. */
  commit: string;
}

/**
 * Checks out `revision` (a branch, tag, commit or `HEAD~1`) of the git repository `dir` is in, into `dest`: a
 * clone sharing the repository's objects, with the revision's tracked files only (nothing uncommitted, nothing
 * ignored), so a build there is the build of that commit. `dir`'s counterpart in it is `dir`. The caller removes
 * `dest`. Not in a git work tree, or a revision git does not know: INVALID_ARGUMENT.
 */
export async function checkoutRevision(
  dir: string,
  revision: string,
  dest: string,
): Promise<RevisionCheckout> {
  // git names the top by its real path: compare like with like.
  const src = await realpath(resolve(dir));
  const top = await gitTopLevel(src);
  if (!top) {
    throw new MinnowError('INVALID_ARGUMENT', `--rev needs a git work tree; ${src} is not in one`, {
      subject: src,
    });
  }
  // `--end-of-options` keeps a revision spelled like an option from being read as one.
  const commit = await git(top, [
    'rev-parse',
    '--verify',
    '--quiet',
    '--end-of-options',
    `${revision}^{commit}`,
  ])
    .then((o) => o.trim())
    .catch(() => '');
  if (!/^[0-9a-f]{40,64}$/.test(commit)) {
    throw new MinnowError('INVALID_ARGUMENT', `--rev ${revision}: not a commit of ${top}`, {
      subject: revision,
      hint: 'a branch, tag or commit git rev-parse knows (main, v1.2.0, HEAD~1)',
    });
  }
  try {
    await makeDirs(dirname(dest));
    await git(dirname(dest), ['clone', '--quiet', '--no-checkout', '--shared', top, dest]);
    await git(dest, ['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', commit]);
  } catch (err) {
    throw new MinnowError(
      'INTERNAL',
      `cannot check out ${revision} of ${top}: ${messageOf(err).split('\n')[0]}`,
      {
        subject: revision,
        cause: err,
      },
    );
  }
  return { dir: resolve(dest, relative(top, src)), map: mapper(top, dest), commit };
}
