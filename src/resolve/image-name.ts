import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { MinnowError } from '../errors.js';

/**
 * How a Go package becomes a repository name under REPO, as ko's flags do:
 * - `base` (ko -B): REPO/<last path element>, e.g. registry/team/server
 * - `hash` (ko's default): REPO/<last element>-<md5 of the import path>, unique for any set of packages
 * - `full` (ko -P): REPO/<the whole import path>
 * - `bare` (ko --bare): REPO itself, for a single package
 */
export type NamingStrategy = 'base' | 'hash' | 'full' | 'bare';

export const NAMING_STRATEGIES: readonly NamingStrategy[] = ['base', 'hash', 'full', 'bare'];

/** Where images are pushed: `--repo`, else MINNOW_REPO, else ko's KO_DOCKER_REPO, else the config's `repo`. */
export function chooseRepo(flag?: string, env: NodeJS.ProcessEnv = process.env, config?: string): string {
  const repo = (flag || env.MINNOW_REPO || env.KO_DOCKER_REPO || config || '').replace(/\/+$/, '');
  if (!repo) {
    throw new MinnowError('INVALID_ARGUMENT', 'no repository to push to', {
      hint: 'pass --repo REGISTRY/NAMESPACE or set MINNOW_REPO (or KO_DOCKER_REPO)',
    });
  }
  if (!/^[a-z0-9]([a-z0-9._-]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*$/.test(repo)) {
    throw new MinnowError(
      'INVALID_ARGUMENT',
      `invalid repository "${repo}": want host[:port]/lowercase/path`,
      {
        subject: repo,
      },
    );
  }
  return repo;
}

/** A path element as a valid repository component: lowercase, runs of other characters turned into "-". */
function component(s: string): string {
  const c = s
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|[._-]+$/g, '');
  return c || 'app';
}

/** The repository (no tag, no digest) an import path is pushed to under `repo`. */
export function imageRepository(repo: string, importPath: string, strategy: NamingStrategy = 'base'): string {
  const base = component(posix.basename(importPath));
  switch (strategy) {
    case 'bare':
      return repo;
    case 'base':
      return `${repo}/${base}`;
    case 'hash':
      return `${repo}/${base}-${createHash('md5').update(importPath).digest('hex')}`;
    case 'full':
      return `${repo}/${importPath.split('/').map(component).join('/')}`;
  }
}

/**
 * Names every package, and refuses a set where two packages would land in one repository (for example
 * `a/cmd/server` and `b/cmd/server` under `base`), since one would silently overwrite the other.
 */
export function nameAll(
  repo: string,
  importPaths: readonly string[],
  strategy: NamingStrategy,
): Map<string, string> {
  const names = new Map<string, string>();
  const owners = new Map<string, string>();
  for (const p of importPaths) {
    const name = imageRepository(repo, p, strategy);
    const other = owners.get(name);
    if (other !== undefined && other !== p) {
      throw new MinnowError('INVALID_ARGUMENT', `${other} and ${p} would both be pushed to ${name}`, {
        subject: name,
        hint: strategy === 'bare' ? 'bare naming takes one package' : 'use --naming hash or --naming full',
      });
    }
    owners.set(name, p);
    names.set(p, name);
  }
  return names;
}
