/** Package URLs (github.com/package-url/purl-spec) for the package kinds minnow reports. */

const enc = (s: string): string => encodeURIComponent(s).replace(/%2F/gi, '/');

function qualifiers(q: Record<string, string | undefined>): string {
  const parts = Object.entries(q)
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

/** `pkg:golang/github.com/google/uuid@v1.6.0`; each path segment percent-encoded. */
export function golangPurl(modulePath: string, version?: string): string {
  const path = modulePath.split('/').map(encodeURIComponent).join('/');
  return `pkg:golang/${path}${version ? `@${encodeURIComponent(version)}` : ''}`;
}

/** Go's standard library, as syft and trivy name it: `pkg:golang/stdlib@1.22.5`. */
export function golangStdlibPurl(goVersion: string): string {
  return `pkg:golang/stdlib@${encodeURIComponent(goVersion.replace(/^go/, ''))}`;
}

/** The package's source (apk origin, deb source package) when it differs from the package: `upstream=glibc@2.36-9`. */
export interface OsPurlParts {
  arch?: string;
  distro?: string;
  source?: string;
  sourceVersion?: string;
}

function upstream(name: string, version: string, p: OsPurlParts): string | undefined {
  const sourceVersion = p.sourceVersion && p.sourceVersion !== version ? p.sourceVersion : undefined;
  if (!p.source || (p.source === name && !sourceVersion)) return undefined;
  return sourceVersion ? `${p.source}@${sourceVersion}` : p.source;
}

/** `pkg:apk/alpine/busybox-binsh@1.36.1-r15?arch=x86_64&distro=alpine-3.19.4&upstream=busybox`. */
export function apkPurl(name: string, version: string, p: OsPurlParts = {}): string {
  const q = { arch: p.arch, distro: p.distro, upstream: upstream(name, version, p) };
  return `pkg:apk/alpine/${enc(name)}@${encodeURIComponent(version)}${qualifiers(q)}`;
}

/** `pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc`. */
export function debPurl(name: string, version: string, p: OsPurlParts = {}): string {
  const q = { arch: p.arch, distro: p.distro, upstream: upstream(name, version, p) };
  return `pkg:deb/debian/${enc(name)}@${encodeURIComponent(version)}${qualifiers(q)}`;
}

/** `pkg:oci/hello@sha256%3A…?arch=amd64` for the image itself. */
export function ociPurl(reference: string, digest: string, arch?: string): string {
  const repo = reference.replace(/^[a-z-]+:(?!\/\/)/, '').replace(/[:@].*$/, '');
  const name = (repo.split('/').pop() || 'image').toLowerCase().replace(/[^a-z0-9._-]/g, '-');
  return `pkg:oci/${name}@${encodeURIComponent(digest)}${qualifiers({ arch })}`;
}
