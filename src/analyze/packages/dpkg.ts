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
    const source = p.get('Source')?.split(' ')[0];
    out.push({
      type: 'deb',
      name,
      version,
      ...(arch ? { arch } : {}),
      ...(source ? { source } : {}),
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
