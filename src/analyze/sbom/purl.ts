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

/** `pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.4`. */
export function apkPurl(name: string, version: string, arch?: string, distro?: string): string {
  return `pkg:apk/alpine/${enc(name)}@${encodeURIComponent(version)}${qualifiers({ arch, distro })}`;
}

/** `pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12`. */
export function debPurl(name: string, version: string, arch?: string, distro?: string): string {
  return `pkg:deb/debian/${enc(name)}@${encodeURIComponent(version)}${qualifiers({ arch, distro })}`;
}

/** `pkg:oci/hello@sha256%3A…?arch=amd64` for the image itself. */
export function ociPurl(reference: string, digest: string, arch?: string): string {
  const repo = reference.replace(/^[a-z-]+:(?!\/\/)/, '').replace(/[:@].*$/, '');
  const name = (repo.split('/').pop() || 'image').toLowerCase().replace(/[^a-z0-9._-]/g, '-');
  return `pkg:oci/${name}@${encodeURIComponent(digest)}${qualifiers({ arch })}`;
}
