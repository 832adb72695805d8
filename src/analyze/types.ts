import type { BinaryAttribution } from '../go/attribution.js';
import type { GoBuildInfo } from '../go/buildinfo.js';

import { SEVERITIES, type Severity } from '../util/severity.js';

export { SEVERITIES, type Severity };

/** The article's five parts of the attack surface. */
export const CATEGORIES = [
  'software-components',
  'network-services',
  'system-utilities',
  'configuration-files',
  'user-permissions',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** One finding of a rule. Rule IDs are stable (documented in docs/rules.md). */
export interface ImageFinding {
  /** `MN-SU-001`. */
  rule: string;
  title: string;
  severity: Severity;
  category: Category;
  /** What was found, in one line. */
  message: string;
  /** The paths (or config fields, as `config.User`) involved. */
  paths: string[];
  /** One line on how to fix it. */
  fix: string;
}

/** An entry of the merged filesystem view (the image as a container sees it). */
export interface FileInfo {
  /** Absolute path. */
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';
  size: number;
  mode: number;
  uid: number;
  gid: number;
  linkname?: string;
  /** Index of the layer that last wrote this entry. */
  layer: number;
  /**
   * The file capabilities its `security.capability` extended attribute grants, by name (`net_bind_service`);
   * `unreadable` when the value could not be decoded. Unset: no such attribute.
   */
  capabilities?: string[];
  /** First bytes were ELF. */
  elf?: { arch: string; dynamic: boolean };
  go?: GoBuildInfo;
  /** A Go binary's bytes by kind, module and package, when reading the layer was asked to attribute them. */
  attribution?: BinaryAttribution;
  /** Why the content looks like a secret (`private key`), when it does. */
  secretContent?: string;
}

/** A package of the operating system's package database. */
export interface OsPackage {
  type: 'apk' | 'deb';
  name: string;
  version: string;
  arch?: string;
  /**
   * Its license: apk's `L:` field as stated, or for deb the licenses its /usr/share/doc/<name>/copyright names,
   * as SPDX identifiers joined with AND (names SPDX does not know are left out).
   */
  license?: string;
  /** Source package (deb) or origin (apk). */
  source?: string;
  /** Version of the source package, when the database gives one that differs (deb `Source: glibc (2.36-9)`). */
  sourceVersion?: string;
  /** Who maintains the package, as the database states it (`Name <email>`). */
  maintainer?: string;
  /** Names the package depends on (deb Depends/Pre-Depends, every alternative; apk `D:`), as the database states them. */
  depends?: string[];
  /** What else it answers to as a dependency (deb Provides; apk `p:`, e.g. `so:libc.musl-x86_64.so.1`). */
  provides?: string[];
  /** The database file it was read from. */
  foundIn: string;
}

/** A Go binary and what its build info says. */
export interface GoBinary {
  path: string;
  size: number;
  arch: string;
  /** Needs a dynamic loader (cgo or PIE): it will not run on scratch. */
  dynamic: boolean;
  info: GoBuildInfo;
  /** Its bytes by kind, module and package (absent when `attribute: false` or its pclntab is unreadable). */
  attribution?: BinaryAttribution;
}

export interface LayerSummary {
  index: number;
  digest: string;
  diffId: string;
  mediaType: string;
  compression: 'gzip' | 'zstd' | 'none';
  /** Size of the blob as stored and pulled (a gzip estimate when `compressedEstimated`). */
  compressedSize: number;
  /** The layer is stored uncompressed and compressedSize is what gzip makes of it. */
  compressedEstimated?: boolean;
  /** Size of the uncompressed tar. */
  uncompressedSize: number;
  /** Bytes of regular files in the layer (what `docker history` shows). */
  contentSize: number;
  entries: number;
  whiteouts: number;
  createdBy?: string;
}

/** Users from /etc/passwd with what matters for the attack surface. */
export interface UserEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
  /** The shell is a real one (not nologin/false). */
  loginShell: boolean;
  /** The password field (passwd or shadow) is empty: anyone can log in. */
  emptyPassword: boolean;
}

/** Everything minnow measures of one image. Field names are stable: `--json` prints this. */
export interface ImageAnalysis {
  /** Bumped only on incompatible changes of this shape. */
  schemaVersion: 1;
  reference: string;
  /** Where the image was read from (`{ kind: 'registry', where: 'docker.io/library/alpine:3.19' }`), when known. */
  source?: { kind: string; where: string };
  /** The manifest's digest: what a registry pins (`REPO@sha256:…`). */
  digest: string;
  /** The config's digest: the image ID `docker images` and `docker inspect` show (first 12 hex digits). */
  imageId: string;
  platform: { os: string; architecture: string; variant?: string };
  created?: string;
  config: {
    user: string;
    /** The effective user is root (user empty, 0, root, 0:*, root:*, or a name mapped to uid 0). */
    runsAsRoot: boolean;
    entrypoint: string[];
    cmd: string[];
    workingDir: string;
    /** Env with the values of secret-looking keys replaced by `<redacted>`. */
    env: string[];
    exposedPorts: string[];
    labels: Record<string, string>;
  };
  os?: { id?: string; versionId?: string; prettyName?: string };
  size: {
    /** Sum of the layer blobs: what a pull downloads. */
    compressed: number;
    /** Some layers are stored uncompressed (Engine, `docker save`) and count with a gzip estimate. */
    compressedEstimated?: boolean;
    /** Sum of the uncompressed layer tars. */
    uncompressed: number;
    /** Bytes of regular files over all layers: what `docker image ls` reports. */
    content: number;
    /** Bytes of regular files in the final filesystem. */
    filesystem: number;
  };
  /**
   * `size.filesystem` split three ways: Go binaries (`app`), everything under /etc and the CA bundle
   * (`caAndConfig`), and the rest (`base`). What the HTML reports draw as one stacked bar per image.
   */
  composition: { base: number; caAndConfig: number; app: number };
  layers: LayerSummary[];
  files: {
    /** Regular files (hard links included) in the final filesystem. */
    count: number;
    directories: number;
    symlinks: number;
    /** Regular files with an execute bit. */
    executables: number;
    elfBinaries: number;
    setuid: number;
    setgid: number;
    largest: { path: string; size: number; layer: number }[];
  };
  efficiency: {
    /** 0..1: bytes kept over bytes shipped (1 when nothing is shadowed or deleted, and for empty images). */
    score: number;
    /** Bytes shipped in a layer and then overwritten or deleted by a later one. */
    wastedBytes: number;
    /** The paths that waste the most. */
    wasted: { path: string; count: number; wastedBytes: number }[];
  };
  packages: OsPackage[];
  goBinaries: GoBinary[];
  utilities: {
    shells: string[];
    packageManagers: string[];
    busybox?: { path: string; applets: string[] };
    debuggers: string[];
    networkTools: string[];
    compilers: string[];
  };
  users: UserEntry[];
  /** What a Go app needs at run time beyond its binary. */
  runtime: {
    /** Path of the CA bundle (SSL_CERT_FILE, or a well-known path), when there is one. */
    caBundle?: string;
    /** Time zone data: /usr/share/zoneinfo, ZONEINFO, or a Go binary built with the timetzdata tag. */
    tzdata: boolean;
  };
  findings: ImageFinding[];
  summary: {
    findings: Record<Severity, number>;
    hasShell: boolean;
    hasPackageManager: boolean;
  };
}
