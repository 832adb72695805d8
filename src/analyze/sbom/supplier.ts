import type { ImageAnalysis } from '../types.js';

/** Who supplies a component (NTIA's "supplier name"): a person or an organization, with an email when known. */
export interface Supplier {
  kind: 'Person' | 'Organization';
  name: string;
  email?: string;
}

/** The distributions' own names, for packages whose database entry names no maintainer. */
const DISTRIBUTORS: Record<string, string> = { debian: 'Debian', alpine: 'Alpine Linux', ubuntu: 'Ubuntu' };

/**
 * A package database's maintainer (`GNU Libc Maintainers <debian-glibc@lists.debian.org>`, `Natanael Copa
 * <ncopa@alpinelinux.org>`): a team or list is an organization, anyone else a person.
 */
export function maintainerSupplier(
  maintainer: string | undefined,
  osId: string | undefined,
): Supplier | undefined {
  const m = /^\s*([^<]*?)\s*(?:<([^>]+)>)?\s*$/.exec(maintainer ?? '');
  const name = m?.[1] || m?.[2];
  if (!name) {
    const distributor = osId ? DISTRIBUTORS[osId] : undefined;
    return distributor ? { kind: 'Organization', name: distributor } : undefined;
  }
  const team = /maintainers|team|project|developers|group|packagers|@lists\./i.test(maintainer ?? '');
  return { kind: team ? 'Organization' : 'Person', name, ...(m?.[2] ? { email: m[2] } : {}) };
}

/**
 * Who publishes a Go module, from its path: the owner on a code host (`github.com/google` for
 * github.com/google/uuid), the Go project for golang.org/x, else the domain that serves it (`go.uber.org`).
 */
export function goModuleSupplier(modulePath: string): Supplier {
  const [host = modulePath, owner] = modulePath.split('/');
  if (host === 'golang.org' || host === 'std') return GO_AUTHORS;
  if (owner && /^(github\.com|gitlab\.com|bitbucket\.org|codeberg\.org)$/.test(host)) {
    return { kind: 'Organization', name: `${host}/${owner}` };
  }
  return { kind: 'Organization', name: host };
}

/** Go's standard library and golang.org/x modules. */
export const GO_AUTHORS: Supplier = { kind: 'Organization', name: 'The Go Authors' };

/**
 * Who supplies the image itself: its `org.opencontainers.image.vendor` (or `.authors`) label, else the publisher of
 * the Go program it runs (the main module of its entrypoint's binary, or its only one); undefined when nothing says.
 */
export function imageSupplier(a: ImageAnalysis): Supplier | undefined {
  const vendor = a.config.labels['org.opencontainers.image.vendor'];
  if (vendor) return { kind: 'Organization', name: vendor };
  const authors = a.config.labels['org.opencontainers.image.authors'];
  if (authors) return maintainerSupplier(authors, undefined);
  const entry = a.config.entrypoint[0] ?? a.config.cmd[0];
  const mains = a.goBinaries.filter((b) => b.info.main?.path);
  const main = mains.find((b) => b.path === entry) ?? (mains.length === 1 ? mains[0] : undefined);
  return main?.info.main?.path ? goModuleSupplier(main.info.main.path) : undefined;
}

/** SPDX 2.3's form: `Organization: Debian (debian@example.org)`. */
export function spdxSupplier(s: Supplier | undefined): string {
  if (!s) return 'NOASSERTION';
  const clean = (t: string): string => t.replace(/[()\n]/g, ' ').trim();
  return `${s.kind}: ${clean(s.name)}${s.email ? ` (${clean(s.email)})` : ''}`;
}
