import { spdxLicenseId } from '../licenses.js';

/** Where Debian keeps each package's copyright file; only these are read for licenses. */
export const DEBIAN_COPYRIGHT = /^\/usr\/share\/doc\/([^/]+)\/copyright$/;

/**
 * The licenses a Debian copyright file names, as sorted SPDX IDs: the `License:` fields of the machine-readable
 * format (`GPL-1+ or Artistic` counts both) and, in free-form files, the texts it points at under
 * /usr/share/common-licenses. Names SPDX has no ID for (`public-domain`, `ad-hoc`) are left out.
 */
export function debianCopyrightLicenses(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(/^License:[ \t]*(\S[^\n]*)$/gim)) {
    // `GPL-2+ with Autoconf exception`: the license is the part before the exception.
    const value = m[1]!.replace(/\s+with\s+.*$/i, '');
    names.push(...value.split(/\s+or\s+|\s+and\s+|,\s*/i));
  }
  for (const m of text.matchAll(/\/usr\/share\/common-licenses\/([A-Za-z0-9_.+-]+)/g)) names.push(m[1]!);
  const ids = names.map((n) => spdxLicenseId(n)).filter((id): id is string => id !== undefined);
  return [...new Set(ids)].sort();
}
