import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { MinnowError } from '../errors.js';

/** Where the source came from, as far as git knows. */
export interface Provenance {
  /** Creation time in seconds: SOURCE_DATE_EPOCH, else the HEAD commit time, else 0. Never the clock. */
  created: number;
  /** HEAD commit, when the source is in a git repository. */
  revision?: string;
  /** The `origin` remote as a URL without credentials, when there is one. */
  source?: string;
}

function git(dir: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['-C', dir, ...args], { timeout: 5000 }, (err, stdout) =>
      resolve(err ? undefined : stdout.trim() || undefined),
    );
  });
}

/** Drops user info from a remote URL (never record a token) and turns scp-style remotes into https URLs. */
export function publicRemoteUrl(remote: string): string | undefined {
  const scp = /^[\w.-]+@([\w.-]+):(.+?)(?:\.git)?$/.exec(remote);
  if (scp) return `https://${scp[1]}/${scp[2]}`;
  try {
    const url = new URL(remote);
    if (url.protocol === 'file:') return undefined;
    // Rebuilt from host and path only: user info (a token) never makes it into an image.
    const scheme = url.protocol === 'http:' ? 'http' : 'https';
    return `${scheme}://${url.host}${url.pathname}`.replace(/\.git$/, '').replace(/\/$/, '');
  } catch {
    return undefined;
  }
}

/** True when `dir` or a parent holds `.git` (a repository or a worktree's pointer file). */
async function inGitTree(dir: string): Promise<boolean> {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (
      await access(join(d, '.git')).then(
        () => true,
        () => false,
      )
    )
      return true;
    if (dirname(d) === d) return false;
  }
}

/** Reads the creation time and git provenance of a source directory (no git process outside a repository). */
export async function readProvenance(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<Provenance> {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw && !/^\d+$/.test(raw)) {
    throw new MinnowError('INVALID_ARGUMENT', `SOURCE_DATE_EPOCH must be whole seconds, got "${raw}"`);
  }
  const epoch = raw ? Number(raw) : undefined;
  const head = (await inGitTree(dir)) ? await git(dir, ['log', '-1', '--format=%H %ct']) : undefined;
  const [revision, time] = head?.split(' ') ?? [];
  const remote = revision ? await git(dir, ['config', '--get', 'remote.origin.url']) : undefined;
  const source = remote ? publicRemoteUrl(remote) : undefined;
  return {
    created: epoch ?? (time && /^[0-9]+$/.test(time) ? Number(time) : 0),
    ...(revision ? { revision } : {}),
    ...(source ? { source } : {}),
  };
}

/** Seconds → RFC 3339 without fractional seconds (`1970-01-01T00:00:00Z`). */
export function rfc3339(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
