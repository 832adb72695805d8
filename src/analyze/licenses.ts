import spdxIds from 'spdx-license-ids/index.json' with { type: 'json' };

/** SPDX license identifiers by lower case, so `expat`-style spellings of a real ID resolve to its exact case. */
const SPDX_IDS = new Map<string, string>((spdxIds as string[]).map((id) => [id.toLowerCase(), id]));

/**
 * Debian's short names (the copyright-format 1.0 list) that are not SPDX IDs as spelled. The GNU families
 * (`GPL-2+`, `LGPL-2.1`, `GFDL-1.3+`, `GPLv3+`) are handled by pattern below.
 */
const DEBIAN_NAMES: Record<string, string> = {
  expat: 'MIT',
  // /usr/share/common-licenses/Artistic is Perl's Artistic License; BSD there is the 3-clause text.
  artistic: 'Artistic-1.0-Perl',
  perl: 'Artistic-1.0-Perl',
  bsd: 'BSD-3-Clause',
  'bsd-2': 'BSD-2-Clause',
  'bsd-3': 'BSD-3-Clause',
  'bsd-4': 'BSD-4-Clause',
  apache: 'Apache-2.0',
  cc0: 'CC0-1.0',
};

const GNU = /^(A|L)?GPL-?v?(\d(?:\.\d)?)(\+)?$/i;
const GFDL = /^GFDL(-NIV)?-?(\d\.\d)(\+)?$/i;

/**
 * The SPDX identifier a license name stands for (`GPL-2+` → `GPL-2.0-or-later`, `Expat` → `MIT`, `apache-2.0` →
 * `Apache-2.0`), or undefined for a name SPDX does not know (`public-domain`, `ad-hoc`).
 */
export function spdxLicenseId(name: string): string | undefined {
  const n = name.trim().replace(/[.,;'`"]+$/, '');
  const gnu = GNU.exec(n);
  if (gnu) {
    const version = gnu[2]!.includes('.') ? gnu[2]! : `${gnu[2]}.0`;
    return SPDX_IDS.get(`${gnu[1] ?? ''}gpl-${version}-${gnu[3] ? 'or-later' : 'only'}`.toLowerCase());
  }
  const gfdl = GFDL.exec(n);
  if (gfdl) {
    const id = `gfdl-${gfdl[2]}${gfdl[1] ? '-no-invariants' : ''}-${gfdl[3] ? 'or-later' : 'only'}`;
    return SPDX_IDS.get(id);
  }
  const lower = n.toLowerCase();
  return (
    DEBIAN_NAMES[lower] ??
    SPDX_IDS.get(lower) ??
    SPDX_IDS.get(lower.replace(/\+$/, '-or-later')) ??
    // Debian writes `Artistic-1`, `BSL-1`, `Apache-2` for SPDX's `Artistic-1.0`, `BSL-1.0`, `Apache-2.0`.
    SPDX_IDS.get(lower.replace(/-(\d+)$/, '-$1.0'))
  );
}

/**
 * A license as a package database states it (`MIT`, `GPL-2.0-only AND BSD-2-Clause`, `MIT OR Apache-2.0`), as an
 * SPDX expression when every name in it is an SPDX ID; undefined otherwise (it is then no valid declaration).
 */
export function spdxExpression(stated: string): string | undefined {
  const tokens = stated
    .trim()
    .split(/\s+|(?=[()])|(?<=[()])/)
    .filter((t) => t !== '');
  if (tokens.length === 0) return undefined;
  const out: string[] = [];
  for (const t of tokens) {
    if (/^(AND|OR|WITH|\(|\))$/i.test(t)) out.push(/[()]/.test(t) ? t : t.toUpperCase());
    else {
      const id = spdxLicenseId(t);
      if (!id) return undefined;
      out.push(id);
    }
  }
  return out.join(' ').replace(/\( /g, '(').replace(/ \)/g, ')');
}
