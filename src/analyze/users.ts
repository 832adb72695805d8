import { posix } from 'node:path';
import { SHELLS } from './utilities.js';
import type { UserEntry } from './types.js';

/** Users of /etc/passwd, with empty passwords taken from /etc/shadow when it is there. */
export function parseUsers(passwd: string | undefined, shadow: string | undefined): UserEntry[] {
  if (!passwd) return [];
  const shadowPw = new Map<string, string>();
  for (const line of (shadow ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length >= 2 && f[0]) shadowPw.set(f[0], f[1] ?? '');
  }
  const out: UserEntry[] = [];
  for (const line of passwd.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [name = '', pw = '', uid = '', gid = '', , home = '', shell = ''] = line.split(':');
    if (!name || !/^\d+$/.test(uid)) continue;
    const emptyPassword = pw === '' || (pw === 'x' && shadowPw.get(name) === '');
    out.push({
      name,
      uid: Number(uid),
      gid: Number(gid),
      home,
      shell,
      loginShell: SHELLS.has(posix.basename(shell)),
      emptyPassword,
    });
  }
  return out;
}

/**
 * Whether the config's User makes the container run as root: empty, `0`, `root`, `0:*`, `root:*`, or a name that
 * /etc/passwd maps to uid 0.
 */
export function isRootUser(user: string | undefined, users: UserEntry[]): boolean {
  const u = (user ?? '').trim().split(':')[0] ?? '';
  if (u === '' || u === 'root') return true;
  if (/^\d+$/.test(u)) return Number(u) === 0;
  return users.some((e) => e.name === u && e.uid === 0);
}
