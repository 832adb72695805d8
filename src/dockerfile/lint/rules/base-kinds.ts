import { repository } from '../model.js';

/** Full distributions or toolchains: hundreds of MB and many packages when used as the final stage. */
const LARGE = [
  /^golang$/,
  /^debian$/,
  /^ubuntu$/,
  /^centos$/,
  /^fedora$/,
  /^rockylinux(\/.*)?$/,
  /^almalinux$/,
  /^amazonlinux$/,
  /^oraclelinux$/,
  /^opensuse\/.*$/,
  /^archlinux$/,
  /^buildpack-deps$/,
  /^node$/,
  /^python$/,
  /^ruby$/,
  /^openjdk$/,
  /^eclipse-temurin$/,
  /^(.*\/)?ubi\d*(-\w+)?$/,
];

/** True when `image` is a full distribution or toolchain image (too large for a Go program's final stage). */
export function isLargeBase(image: string): boolean {
  const repo = repository(image);
  return LARGE.some((re) => re.test(repo));
}

/** True when `image` is known to ship a shell or a package manager (small bases included). */
export function hasShell(image: string): boolean {
  const repo = repository(image);
  const tag = /:([\w.-]+)(@|$)/.exec(image.slice(image.lastIndexOf('/') + 1))?.[1] ?? '';
  if (repo === 'scratch') return false;
  if (repo.startsWith('gcr.io/distroless/')) return tag.includes('debug');
  if (repo.startsWith('cgr.dev/chainguard/')) return tag.includes('dev') || repo.endsWith('wolfi-base');
  return (
    isLargeBase(image) ||
    ['alpine', 'busybox', 'cgr.dev/chainguard/wolfi-base'].includes(repo) ||
    repo.endsWith('/alpine')
  );
}

/** True when `image` runs as a non-root user unless told otherwise (distroless :nonroot, Chainguard static). */
export function defaultsToNonRoot(image: string): boolean {
  const repo = repository(image);
  const tag = /:([\w.-]+)(@|$)/.exec(image.slice(image.lastIndexOf('/') + 1))?.[1] ?? 'latest';
  if (repo.startsWith('gcr.io/distroless/')) return tag.includes('nonroot');
  return repo === 'cgr.dev/chainguard/static';
}
