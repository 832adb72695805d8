import { MinnowError } from '../errors.js';
import { isDigest, type Digest } from '../oci/digest.js';
import { splitNameTag } from '../oci/name-tag.js';

/** A parsed image reference: `registry/repository[:tag][@digest]`, normalized as Docker does. */
export interface Reference {
  /** Registry as users name it (`docker.io`, `gcr.io`, `127.0.0.1:5000`). */
  registry: string;
  /** Repository path (`library/alpine`). */
  repository: string;
  /** Tag; `latest` when the input named neither tag nor digest. */
  tag?: string;
  digest?: Digest;
}

/** The registry Docker Hub references normalize to. */
export const DOCKER_HUB = 'docker.io';
/** The host Docker Hub's API is served from. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/** Whether `name` is a repository path as distribution-spec spells it (components joined by `/`). */
export function isRepositoryName(name: string): boolean {
  return name.split('/').every((c) => COMPONENT.test(c));
}
const HOST_PART =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/;
const IPV6 = /^\[[0-9a-fA-F:.]+\]$/;

function bad(input: string, why: string, hint?: string): MinnowError {
  return new MinnowError('INVALID_ARGUMENT', `invalid image reference "${input}": ${why}`, {
    subject: input,
    hint: hint ?? 'references look like alpine:3.19, ghcr.io/org/app:v1 or registry:5000/app@sha256:<64 hex>',
  });
}

function validRegistry(domain: string): boolean {
  const colon = domain.startsWith('[') ? domain.indexOf(']:') + 1 : domain.lastIndexOf(':');
  const host = colon > 0 ? domain.slice(0, colon) : domain;
  const port = colon > 0 ? domain.slice(colon + 1) : undefined;
  if (port !== undefined && (!/^[0-9]{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535))
    return false;
  return HOST_PART.test(host) || IPV6.test(host);
}

/**
 * Parses an image reference with Docker's rules: a first component holding `.` or `:` (or `localhost`) is the
 * registry, otherwise the registry is docker.io; single-name Docker Hub repositories get `library/`; a reference
 * with neither tag nor digest means `:latest`. Throws INVALID_ARGUMENT naming the problem.
 */
export function parseReference(input: string): Reference {
  const value = input.trim();
  if (value === '') throw bad(input, 'it is empty');
  if (/\s/.test(value)) throw bad(input, 'it contains whitespace');
  if (/^[a-z]+:\/\//i.test(value)) throw bad(input, 'leave out the URL scheme');
  const split = splitNameTag(value);
  const rest = split.name;
  let tag = split.tag;
  let digest: Digest | undefined;
  if (split.digest !== undefined) {
    if (!isDigest(split.digest)) throw bad(input, `"${split.digest}" is not a digest (want sha256:<64 hex>)`);
    digest = split.digest;
  }
  if (tag !== undefined && !TAG.test(tag)) throw bad(input, `"${tag}" is not a valid tag`);
  if (rest === '') throw bad(input, 'it has no repository name');
  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  const first = parts[0] as string;
  if (
    parts.length > 1 &&
    (first.includes('.') || first.includes(':') || first === 'localhost' || /[A-Z]/.test(first))
  ) {
    registry = first;
    parts.shift();
    if (!validRegistry(registry)) throw bad(input, `"${registry}" is not a valid registry host`);
  }
  if (registry === 'index.docker.io' || registry === DOCKER_HUB_API_HOST) registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  for (const c of parts) {
    if (c !== c.toLowerCase() && COMPONENT.test(c.toLowerCase())) {
      throw bad(input, 'repository names must be lowercase');
    }
    if (!COMPONENT.test(c)) throw bad(input, `"${c}" is not a valid repository path component`);
  }
  const repository = parts.join('/');
  if (registry.length + 1 + repository.length > 255)
    throw bad(input, 'the name is longer than 255 characters');
  if (!tag && !digest) tag = 'latest';
  return { registry, repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** True when `input` parses as a reference. */
export function isReference(input: string): boolean {
  try {
    parseReference(input);
    return true;
  } catch {
    return false;
  }
}

/** `registry/repository`, the name without tag or digest. */
export function referenceName(ref: Reference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The full form: `docker.io/library/alpine:3.19`, `host/repo@sha256:...`, or both tag and digest. */
export function formatReference(ref: Reference): string {
  return `${referenceName(ref)}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** The host serving a registry's API (Docker Hub's is registry-1.docker.io). */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
}

/** What a manifest request names: the digest when pinned, else the tag. */
export function referenceTarget(ref: Reference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}
