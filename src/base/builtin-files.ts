import type { LayerEntry } from '../oci/index.js';
import { IMAGE_CA_PATH } from './ca-certs.js';

/** The unprivileged user every minnow image runs as by default (distroless's `nonroot`). */
export const NONROOT_UID = 65532;

/** Where `--tzdata` puts Go's zoneinfo.zip in a built-in base; ZONEINFO points the Go runtime at it. */
export const IMAGE_ZONEINFO_PATH = '/usr/share/zoneinfo.zip';

/** Users of the static base, as distroless defines them. */
export const STATIC_USERS: Record<string, { uid: number; gid: number }> = {
  root: { uid: 0, gid: 0 },
  nobody: { uid: 65534, gid: 65534 },
  nonroot: { uid: NONROOT_UID, gid: NONROOT_UID },
};

const PASSWD = `root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
`;

const GROUP = `root:x:0:
nobody:x:65534:
nonroot:x:65532:
`;

/** Go's resolver reads `hosts:` to decide between /etc/hosts and DNS; the rest is what glibc programs expect. */
const NSSWITCH = `passwd:         files
group:          files
shadow:         files
hosts:          files dns
networks:       files
protocols:      files
services:       files
`;

const OS_RELEASE = `PRETTY_NAME="minnow static (distroless-compatible, no packages)"
NAME="minnow static"
ID=minnow-static
ID_LIKE=distroless
HOME_URL="https://github.com/minnow-build/minnow"
`;

/** The text files of the static base, by path: also what `minnow dockerfile --base static` writes. */
export const STATIC_TEXT_FILES: Readonly<Record<string, string>> = {
  '/etc/passwd': PASSWD,
  '/etc/group': GROUP,
  '/etc/nsswitch.conf': NSSWITCH,
  '/etc/os-release': OS_RELEASE,
};

export interface BuiltinContent {
  /** The CA bundle to install at /etc/ssl/certs/ca-certificates.crt; none when undefined. */
  caBundle?: Buffer;
  /** Go's zoneinfo.zip, installed at IMAGE_ZONEINFO_PATH; none when undefined. */
  zoneinfo?: Buffer;
}

function extras(content: BuiltinContent): LayerEntry[] {
  const entries: LayerEntry[] = [];
  if (content.caBundle) entries.push({ type: 'file', path: IMAGE_CA_PATH, source: content.caBundle });
  if (content.zoneinfo) entries.push({ type: 'file', path: IMAGE_ZONEINFO_PATH, source: content.zoneinfo });
  return entries;
}

/** The files of `--base scratch`: nothing but the CA bundle (and zoneinfo with --tzdata). */
export function scratchEntries(content: BuiltinContent): LayerEntry[] {
  return extras(content);
}

/**
 * The files of `--base static`, the distroless static image synthesized natively: a user database with root,
 * nobody and nonroot (65532), /tmp (1777), /home/nonroot (0700, owned by nonroot), /root (0700), an
 * os-release that scanners read, nsswitch.conf, and the CA bundle. No package manager, no shell, no libc.
 */
export function staticEntries(content: BuiltinContent): LayerEntry[] {
  return [
    ...Object.entries(STATIC_TEXT_FILES).map(([path, text]): LayerEntry => ({
      type: 'file',
      path,
      source: Buffer.from(text),
    })),
    { type: 'directory', path: '/tmp', mode: 0o1777 },
    { type: 'directory', path: '/root', mode: 0o700 },
    { type: 'directory', path: '/home', mode: 0o755 },
    { type: 'directory', path: '/home/nonroot', mode: 0o700, uid: NONROOT_UID, gid: NONROOT_UID },
    ...extras(content),
  ];
}
