import { posix } from 'node:path';
import { STATIC_USERS } from '../base/builtin-files.js';
import { MinnowError } from '../errors.js';
import { formatPlatform, parsePlatform, type Platform } from '../oci/platform.js';

const bad = (message: string, subject: string, hint?: string): MinnowError =>
  new MinnowError('INVALID_ARGUMENT', message, { subject, ...(hint ? { hint } : {}) });

/** Parses a comma list of platforms (`linux/amd64,linux/arm64`); refuses duplicates. */
export function parsePlatformList(value: string): Platform[] {
  const platforms = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(parsePlatform);
  if (platforms.length === 0) throw bad(`invalid platform "${value}": want os/arch[/variant]`, value);
  const seen = new Set<string>();
  for (const p of platforms) {
    const key = formatPlatform(p);
    if (seen.has(key)) throw bad(`platform ${key} is given twice`, value);
    seen.add(key);
    if (p.os !== 'linux') throw bad(`invalid platform "${key}": minnow builds linux images`, value);
  }
  return platforms;
}

const MAX_ID = 2 ** 31 - 1;

function parseId(part: string, what: string, value: string): number {
  if (/^[0-9]+$/.test(part)) {
    const n = Number(part);
    if (n <= MAX_ID) return n;
  }
  const named = STATIC_USERS[part];
  if (named) return what === 'group' ? named.gid : named.uid;
  throw bad(
    `invalid --user "${value}": ${what} must be a number or one of ${Object.keys(STATIC_USERS).join(', ')}`,
    value,
    'use a numeric UID[:GID], e.g. 65532:65532',
  );
}

/**
 * Checks `--user` (`UID[:GID]`, or root/nobody/nonroot) and returns it numeric (`65532:65532`), so it works on
 * bases without /etc/passwd. The group defaults to the user's own number.
 */
export function normalizeUser(value: string): string {
  const parts = value.split(':');
  if (parts.length > 2 || parts.some((p) => p === '')) {
    throw bad(`invalid --user "${value}": want UID[:GID]`, value, 'e.g. 65532:65532');
  }
  const uid = parseId(parts[0] as string, 'user', value);
  const gid = parts[1] !== undefined ? parseId(parts[1], 'group', value) : uid;
  return `${uid}:${gid}`;
}

/** Checks `--port` (`8080`, `8080/tcp`, `53/udp`) and returns the ExposedPorts key (`8080/tcp`). */
export function normalizePort(value: string): string {
  const m = /^([0-9]{1,5})(?:\/(tcp|udp|sctp))?$/.exec(value.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!m || n < 1 || n > 65535) {
    throw bad(`invalid --port "${value}": want PORT[/tcp|udp|sctp] with 1 ≤ PORT ≤ 65535`, value);
  }
  return `${n}/${m[2] ?? 'tcp'}`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses `K=V` pairs (`--env`, `--go-env`); the name must be a shell-style identifier. */
export function parseKeyValues(
  values: string[],
  flag: string,
  pattern: RegExp = ENV_NAME,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const key = eq > 0 ? value.slice(0, eq) : '';
    if (!key || !pattern.test(key)) {
      throw bad(`invalid ${flag} "${value}": want NAME=VALUE`, value);
    }
    out[key] = value.slice(eq + 1);
  }
  return out;
}

/** Label keys: reverse-DNS style, no spaces or `=`. */
export const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

/** Checks `--workdir`: an absolute, normalized path. */
export function normalizeWorkdir(value: string): string {
  if (!value.startsWith('/') || value.includes('\0')) {
    throw bad(`invalid --workdir "${value}": want an absolute path`, value);
  }
  return posix.normalize(value);
}
