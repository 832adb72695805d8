import type { OsPackage } from '../types.js';

const words = (field: string | undefined): string[] => (field ?? '').split(/\s+/).filter((w) => w !== '');
/** `so:libcrypto.so.3=3.1.7-r0` → `so:libcrypto.so.3`; `busybox>=1.36` → `busybox`. */
const unversioned = (dep: string): string => dep.replace(/[=<>~].*$/, '');

/** One block's single-letter fields (the first of each), and the paths of the files it owns (`F:` dirs, `R:` files). */
function readBlock(block: string): { fields: Map<string, string>; files: string[] } {
  const fields = new Map<string, string>();
  const files: string[] = [];
  let dir = '';
  for (const line of block.split('\n')) {
    if (line.length <= 2 || line[1] !== ':') continue;
    const key = line[0] as string;
    const value = line.slice(2);
    if (key === 'F') dir = value;
    else if (key === 'R') files.push(`/${dir ? `${dir}/` : ''}${value}`);
    if (!fields.has(key)) fields.set(key, value);
  }
  return { fields, files };
}

/**
 * Parses apk's installed database (`/lib/apk/db/installed`): one block per package, `P:`, `V:`, `A:`… lines.
 * Dependencies on a path (`D:/bin/sh`) are answered by the package owning that file, listed in its `provides`.
 */
export function parseApkInstalled(text: string, foundIn = '/lib/apk/db/installed'): OsPackage[] {
  const blocks = text.split(/\n\s*\n/).map(readBlock);
  const pathDeps = new Set(blocks.flatMap((b) => words(b.fields.get('D')).filter((d) => d.startsWith('/'))));
  const out: OsPackage[] = [];
  for (const { fields, files } of blocks) {
    const name = fields.get('P');
    const version = fields.get('V');
    if (!name || !version) continue;
    const arch = fields.get('A');
    const license = fields.get('L');
    const origin = fields.get('o');
    const maintainer = fields.get('m');
    // `D:so:libc.musl-x86_64.so.1 busybox>=1.36 /bin/sh !conflict`: what a package or a file can provide.
    const depends = words(fields.get('D'))
      .filter((d) => !d.startsWith('!'))
      .map(unversioned);
    const provides = [...words(fields.get('p')).map(unversioned), ...files.filter((f) => pathDeps.has(f))];
    out.push({
      type: 'apk',
      name,
      version,
      ...(arch ? { arch } : {}),
      ...(license ? { license } : {}),
      ...(origin ? { source: origin } : {}),
      ...(maintainer ? { maintainer } : {}),
      ...(depends.length ? { depends } : {}),
      ...(provides.length ? { provides } : {}),
      foundIn,
    });
  }
  return out;
}
