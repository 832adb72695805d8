import type { OsPackage } from '../types.js';

/** Splits a deb822 file into paragraphs of fields (continuation lines folded into the previous field). */
function paragraphs(text: string): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const line of block.split('\n')) {
      if (/^\s/.test(line) && last) {
        fields.set(last, `${fields.get(last) ?? ''}\n${line.trim()}`);
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      last = line.slice(0, colon).trim();
      fields.set(last, line.slice(colon + 1).trim());
    }
    if (fields.size > 0) out.push(fields);
  }
  return out;
}

/** The package names of a relation field (`libc6 (>= 2.34), libgcc-s1 | libgcc1`): every alternative, no versions. */
function relationNames(field: string): string[] {
  const names = field
    .split(/[,|]/)
    .map((r) => r.trim().split(/[\s(:[]/)[0] ?? '')
    .filter((n) => n !== '');
  return [...new Set(names)];
}

/**
 * Parses a dpkg status database: `/var/lib/dpkg/status` (only packages whose Status says installed) or one of
 * distroless's `/var/lib/dpkg/status.d/<pkg>` files (a control file, no Status field).
 */
export function parseDpkgStatus(text: string, foundIn: string): OsPackage[] {
  const out: OsPackage[] = [];
  for (const p of paragraphs(text)) {
    const name = p.get('Package');
    const version = p.get('Version');
    if (!name || !version) continue;
    const status = p.get('Status');
    if (status !== undefined && !/\binstalled$/.test(status)) continue;
    const arch = p.get('Architecture');
    // `Source: glibc` or `Source: glibc (2.36-9+deb12u4)` when the source's version differs from the binary's.
    const sourceField = /^(\S+)(?:\s+\(([^)]+)\))?/.exec(p.get('Source') ?? '');
    const source = sourceField?.[1];
    const sourceVersion = sourceField?.[2];
    const maintainer = p.get('Maintainer');
    const depends = relationNames(`${p.get('Pre-Depends') ?? ''},${p.get('Depends') ?? ''}`);
    const provides = relationNames(p.get('Provides') ?? '');
    out.push({
      type: 'deb',
      name,
      version,
      ...(arch ? { arch } : {}),
      ...(source ? { source } : {}),
      ...(sourceVersion && sourceVersion !== version ? { sourceVersion } : {}),
      ...(maintainer ? { maintainer } : {}),
      ...(depends.length ? { depends } : {}),
      ...(provides.length ? { provides } : {}),
      foundIn,
    });
  }
  return out;
}

/** Parses os-release (`KEY="value"` lines). */
export function parseOsRelease(text: string): { id?: string; versionId?: string; prettyName?: string } {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) fields.set(m[1] as string, (m[2] as string).replace(/^["']|["']$/g, ''));
  }
  const id = fields.get('ID');
  const versionId = fields.get('VERSION_ID');
  const prettyName = fields.get('PRETTY_NAME');
  return {
    ...(id ? { id } : {}),
    ...(versionId ? { versionId } : {}),
    ...(prettyName ? { prettyName } : {}),
  };
}
