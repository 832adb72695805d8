import { posix } from 'node:path';
import type { MergedFilesystem } from '../filesystem.js';
import type { OsPackage } from '../types.js';
import { parseApkInstalled } from './apk.js';
import { debianCopyrightLicenses } from './debian-copyright.js';
import { parseDpkgStatus } from './dpkg.js';

/** Text of a file as the merged filesystem holds it, when it was captured (see `isCapturedPath`). */
export type ReadCaptured = (path: string) => string | undefined;

/** The licenses /usr/share/doc/<name>/copyright names (its doc dir may be a symlink to another package's). */
function debLicense(fs: MergedFilesystem, read: ReadCaptured, name: string): string | undefined {
  let dir = `/usr/share/doc/${name}`;
  const link = fs.get(dir);
  if (link?.type === 'symlink' && link.linkname) dir = posix.resolve('/usr/share/doc', link.linkname);
  const text = read(`${dir}/copyright`);
  const ids = text ? debianCopyrightLicenses(text) : [];
  return ids.length > 0 ? ids.join(' AND ') : undefined;
}

/**
 * The packages of the image's package databases: apk's, dpkg's status file and distroless's status.d files;
 * deb packages with the licenses of their copyright files. Sorted by name.
 */
export function findOsPackages(fs: MergedFilesystem, read: ReadCaptured): OsPackage[] {
  const packages: OsPackage[] = [];
  const apk = read('/lib/apk/db/installed');
  if (apk) packages.push(...parseApkInstalled(apk));
  const debs: OsPackage[] = [];
  const dpkg = read('/var/lib/dpkg/status');
  if (dpkg) debs.push(...parseDpkgStatus(dpkg, '/var/lib/dpkg/status'));
  for (const e of fs.list('/var/lib/dpkg/status.d')) {
    const t = e.type === 'file' ? read(e.path) : undefined;
    if (t) debs.push(...parseDpkgStatus(t, e.path));
  }
  for (const p of debs) {
    const license = debLicense(fs, read, p.name);
    packages.push(license ? { ...p, license } : p);
  }
  return packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
