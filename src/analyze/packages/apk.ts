import type { OsPackage } from '../types.js';

/** Parses apk's installed database (`/lib/apk/db/installed`): one block per package, `P:`, `V:`, `A:`… lines. */
export function parseApkInstalled(text: string, foundIn = '/lib/apk/db/installed'): OsPackage[] {
  const out: OsPackage[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      if (line.length > 2 && line[1] === ':' && !fields.has(line[0] as string))
        fields.set(line[0] as string, line.slice(2));
    }
    const name = fields.get('P');
    const version = fields.get('V');
    if (!name || !version) continue;
    const arch = fields.get('A');
    const license = fields.get('L');
    const origin = fields.get('o');
    out.push({
      type: 'apk',
      name,
      version,
      ...(arch ? { arch } : {}),
      ...(license ? { license } : {}),
      ...(origin ? { source: origin } : {}),
      foundIn,
    });
  }
  return out;
}
