/**
 * CPE 2.3 names (NIST IR 7695, formatted-string binding) for components, so scanners that match on CPE (the NVD's
 * vulnerability feeds) find them: one best-guess name per component, as syft's first candidate is.
 */

/** One CPE component value: lower case, `_` for spaces, a backslash before every character the binding reserves. */
function value(s: string): string {
  return s
    .toLowerCase()
    .replace(/\s+/g, '_')
    .replace(/[^a-z0-9._\-_]/g, (c) => `\\${c}`);
}

/** `cpe:2.3:a:VENDOR:PRODUCT:VERSION:*:*:*:*:*:*:*` (an application). */
export function cpe(vendor: string, product: string, version: string): string {
  const v = version === '' ? '*' : value(version);
  return `cpe:2.3:a:${value(vendor)}:${value(product)}:${v}:*:*:*:*:*:*:*`;
}

/** Go modules: `github.com/OWNER/REPO` → vendor OWNER, product REPO; otherwise the host's name and the last element. */
export function goModuleCpe(modulePath: string, version: string): string {
  const parts = modulePath.split('/');
  const [host = modulePath, owner, repo] = parts;
  const v = version.replace(/^v/, '').replace(/\+incompatible$/, '');
  if (owner && repo && /^(github\.com|gitlab\.com|bitbucket\.org|codeberg\.org)$/.test(host)) {
    return cpe(owner, repo, v);
  }
  const vendor = host.split('.').at(-2) ?? host;
  return cpe(vendor, parts.at(-1)!.replace(/\.v\d+$/, ''), v);
}
