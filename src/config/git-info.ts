import { execFileText as run } from '../util/exec-file.js';

/** What git says about the source tree; every field is undefined outside a git work tree. */
export interface GitInfo {
  /** Full commit hash of HEAD. */
  commit?: string;
  /** The nearest tag (`git describe --tags --abbrev=0`). */
  tag?: string;
  /** `git describe --tags --always --dirty`. */
  describe?: string;
  branch?: string;
  /** True when tracked files differ from HEAD. */
  dirty?: boolean;
  /** Committer date of HEAD, in Unix seconds. */
  commitTimestamp?: number;
}

async function git(dir: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', ['-C', dir, ...args], {
      env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' },
    });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

/** Reads commit, tag, describe, branch, dirtiness and commit time of the git work tree holding `dir`. */
export async function readGitInfo(dir: string): Promise<GitInfo> {
  const commit = await git(dir, ['rev-parse', '--verify', 'HEAD']);
  if (!commit) return {};
  const [tag, describe, branch, status, time] = await Promise.all([
    git(dir, ['describe', '--tags', '--abbrev=0']),
    git(dir, ['describe', '--tags', '--always', '--dirty']),
    git(dir, ['rev-parse', '--abbrev-ref', 'HEAD']),
    git(dir, ['status', '--porcelain', '--untracked-files=no']),
    git(dir, ['log', '-1', '--format=%ct', 'HEAD']),
  ]);
  return {
    commit,
    ...(tag ? { tag } : {}),
    ...(describe ? { describe } : {}),
    ...(branch && branch !== 'HEAD' ? { branch } : {}),
    dirty: status !== undefined && status !== '',
    ...(time && /^\d+$/.test(time) ? { commitTimestamp: Number(time) } : {}),
  };
}
