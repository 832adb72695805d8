import { PassThrough, type Readable } from 'node:stream';
import { MinnowError } from '../errors.js';
import {
  formatPlatform,
  fromIndexParts,
  fromParts,
  isImageManifest,
  isDigest,
  isIndex,
  MediaType,
  selectPlatform,
  sniffManifestMediaType,
  verifyBytes,
  type Descriptor,
  type Digest,
  type ImageOrIndex,
  type Platform,
} from '../oci/index.js';
import { BlobCache } from '../registry/cache.js';
import { minnowCacheDir } from '../util/cache-layout.js';
import { RegistryClient, type RegistryClientOptions, type Repo } from '../registry/client.js';
import { rememberBlobOrigin } from '../registry/origins.js';
import type { ProgressCallback } from '../registry/progress.js';
import { formatReference, parseReference, referenceName, type Reference } from '../registry/reference.js';

/** Options of `pullImage` / `readRegistry`; every field is optional. */
export interface RegistryReadOptions extends RegistryClientOptions {
  /** Select this platform from an index (a single image must be it); without, an index is returned. */
  platform?: Platform;
  /** Use only the local cache; anything missing is an OFFLINE_MISSING error naming it. Default false. */
  offline?: boolean;
  /** Cache directory, or false for none. Default `$XDG_CACHE_HOME/minnow` or `~/.cache/minnow`. */
  cacheDir?: string | false;
  /** Per-blob download progress. */
  onProgress?: ProgressCallback;
  /** A client to reuse (its options win over the transport options here). */
  client?: RegistryClient;
}

/** A pulled image or index with where it came from, for `org.opencontainers.image.base.*` annotations. */
export interface PulledTarget {
  target: ImageOrIndex;
  /** The reference as given, normalized (`docker.io/library/alpine:3.19`). */
  name: string;
  /** Digest of what the reference resolved to (the index when it named one). */
  digest: Digest;
  /** Digest of the selected platform's manifest when a platform was picked from an index. */
  platformDigest?: Digest;
}

function unsupported(mediaType: string | undefined, subject: string): MinnowError {
  const schema1 = mediaType?.includes('manifest.v1');
  return new MinnowError(
    'UNSUPPORTED_MEDIA_TYPE',
    schema1
      ? `${subject} is a Docker schema 1 image, which minnow does not read`
      : `${subject} has a manifest of unsupported media type ${mediaType ?? '(none)'}`,
    {
      subject,
      hint: schema1
        ? 'rebuild or re-push it with a current Docker or crane, which write schema 2'
        : `minnow reads ${MediaType.OciManifest}, ${MediaType.OciIndex} and Docker schema 2 manifests and manifest lists`,
    },
  );
}

function offlineMissing(what: string, subject: string): MinnowError {
  return new MinnowError('OFFLINE_MISSING', `offline: ${what} is not in the cache`, {
    subject,
    hint: `run once without --offline to download ${subject}`,
  });
}

/** The manifests in an index a user could pick, as `os/arch[/variant]` (attestations left out). */
export function listPlatforms(manifests: Descriptor[]): string[] {
  return manifests
    .filter((d) => d.platform && d.platform.os !== 'unknown')
    .map((d) => formatPlatform(d.platform as Platform));
}

/**
 * Reads an image or index from a registry: every manifest and blob verified against its digest as it streams,
 * and kept in the content-addressed cache (a pinned digest already cached is served without the network).
 */
export async function pullImage(
  reference: string | Reference,
  options: RegistryReadOptions = {},
): Promise<PulledTarget> {
  const ref = typeof reference === 'string' ? parseReference(reference) : reference;
  const name = formatReference(ref);
  const repo: Repo = { registry: ref.registry, repository: ref.repository };
  const cache =
    options.cacheDir === false ? undefined : new BlobCache(options.cacheDir ?? minnowCacheDir(options.env));
  let client = options.client;
  const getClient = (): RegistryClient => (client ??= new RegistryClient(options));
  const onProgress = options.onProgress;

  const manifestBytes = async (
    digest: Digest | undefined,
    target: string,
    size?: number,
  ): Promise<{ raw: Buffer; mediaType?: string; digest: Digest }> => {
    if (digest && cache) {
      const raw = await cache.readSmall(digest, size);
      if (raw) return { raw, digest };
    }
    if (options.offline) throw offlineMissing(`manifest ${digest ?? target}`, name);
    const got = await getClient().getManifest(repo, target);
    if (digest) verifyBytes(got.raw, digest, size, `manifest ${digest}`);
    await cache?.writeSmall(got.digest, got.raw);
    return got;
  };

  let rootDigest = ref.digest;
  if (!rootDigest && options.offline) {
    rootDigest = cache ? await cache.getRef(ref.registry, ref.repository, ref.tag ?? 'latest') : undefined;
    if (!rootDigest) throw offlineMissing(name, name);
  }
  const root = await manifestBytes(rootDigest, rootDigest ?? ref.tag ?? 'latest');
  if (ref.tag && !options.offline) await cache?.putRef(ref.registry, ref.repository, ref.tag, root.digest);

  const blob = async (d: Descriptor): Promise<Readable> => {
    const kind = isLayerDescriptor(d) ? 'layer' : 'config';
    const cached = cache ? await cache.open(d) : undefined;
    if (cached) {
      onProgress?.({
        direction: 'pull',
        kind,
        digest: d.digest,
        total: d.size,
        done: d.size,
        status: 'cached',
      });
      return cached;
    }
    if (options.offline) throw offlineMissing(`blob ${d.digest}`, name);
    const body = await getClient().openBlob(repo, d);
    const source = cache ? cache.tee(d, body) : body;
    if (!onProgress) return source;
    let done = 0;
    onProgress({ direction: 'pull', kind, digest: d.digest, total: d.size, done, status: 'start' });
    const out = new PassThrough();
    source.on('data', (chunk: Buffer) => {
      done += chunk.length;
      onProgress({ direction: 'pull', kind, digest: d.digest, total: d.size, done, status: 'progress' });
    });
    source.on('end', () =>
      onProgress({ direction: 'pull', kind, digest: d.digest, total: d.size, done, status: 'done' }),
    );
    source.on('error', (err) => out.destroy(err));
    return source.pipe(out);
  };
  // Remember where every blob of an image manifest lives, so a push to the same registry can mount them.
  const remember = (raw: Buffer): void => {
    try {
      const m = JSON.parse(raw.toString()) as {
        config?: { digest?: unknown };
        layers?: { digest?: unknown }[];
      };
      for (const d of [m.config, ...(m.layers ?? [])]) {
        if (d && isDigest(d.digest)) rememberBlobOrigin(d.digest, repo);
      }
    } catch {
      // Not JSON: parsing below reports it.
    }
  };
  const childManifest = async (d: Descriptor): Promise<Buffer> => {
    const raw = (await manifestBytes(d.digest, d.digest, d.size)).raw;
    remember(raw);
    return raw;
  };
  remember(root.raw);

  const mediaType = safeSniff(root.raw, root.mediaType, name);
  let target: ImageOrIndex;
  if (isIndex(mediaType)) {
    target = {
      kind: 'index',
      index: fromIndexParts({ rawManifest: root.raw, manifest: childManifest, blob, mediaType }),
    };
  } else if (isImageManifest(mediaType)) {
    target = { kind: 'image', image: fromParts({ rawManifest: root.raw, blob, mediaType }) };
  } else {
    throw unsupported(mediaType, name);
  }
  if (!options.platform) return { target, name, digest: root.digest };
  const image = await selectPlatform(target, options.platform, { strict: true, subject: name });
  if (target.kind === 'image') return { target, name, digest: root.digest };
  return {
    target: { kind: 'image', image },
    name,
    digest: root.digest,
    platformDigest: await image.digest(),
  };
}

function isLayerDescriptor(d: Descriptor): boolean {
  return d.mediaType !== MediaType.OciConfig && d.mediaType !== MediaType.DockerConfig;
}

function safeSniff(raw: Buffer, declared: string | undefined, subject: string): string {
  if (
    declared &&
    !isIndex(declared) &&
    !isImageManifest(declared) &&
    declared !== 'application/json' &&
    declared !== 'text/plain'
  ) {
    throw unsupported(declared, subject);
  }
  try {
    return sniffManifestMediaType(raw, declared);
  } catch (err) {
    if (err instanceof MinnowError && err.code === 'UNSUPPORTED_MEDIA_TYPE')
      throw unsupported(declared, subject);
    throw err;
  }
}

/** Reads a registry reference as an ImageOrIndex (the `resolveBase` seam). */
export async function readRegistry(
  reference: string | Reference,
  options: RegistryReadOptions = {},
): Promise<ImageOrIndex> {
  return (await pullImage(reference, options)).target;
}

const OTHER_KINDS = /^(oci|oci-archive|docker-archive|daemon|docker|file|dir):(?!\/\/)/;

/** True for a base spec naming a registry image: `alpine:3.19`, `ghcr.io/o/a@sha256:…`, or `docker://REF`. */
export function isRegistrySpec(spec: string): boolean {
  if (spec.startsWith('docker://')) return true;
  if (OTHER_KINDS.test(spec)) return false;
  try {
    parseReference(spec);
    return true;
  } catch {
    return false;
  }
}

/** `alpine:3.19` in full, as the registry is asked for it: `docker.io/library/alpine:3.19`. */
export function canonicalRegistrySpec(spec: string): string {
  const ref = parseReference(spec.startsWith('docker://') ? spec.slice('docker://'.length) : spec);
  return `${referenceName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/**
 * A registry read that fails for want of the network (an offline laptop, a CI runner without egress) while the
 * local Engine has the image gets the hint to read it from there: users expect `alpine:3.19` to be found where
 * `docker run` finds it. The Engine is asked only after the failure, with a short bound.
 */
export async function withEngineHint<T>(spec: string, read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (err) {
    if (!(err instanceof MinnowError) || !['NETWORK', 'OFFLINE_MISSING'].includes(err.code)) throw err;
    const name = spec.startsWith('docker://') ? spec.slice('docker://'.length) : spec;
    if (!(await engineHas(name))) throw err;
    throw new MinnowError(err.code, err.message, {
      ...(err.subject !== undefined ? { subject: err.subject } : {}),
      cause: err,
      hint: `the local Docker Engine has ${name}: read it from there with daemon:${name}`,
    });
  }
}

async function engineHas(name: string): Promise<boolean> {
  try {
    const { EngineClient } = await import('../engine/client.js');
    const engine = new EngineClient();
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), 2000);
    });
    try {
      return await Promise.race([engine.inspectImage(name).then(() => true), bound]);
    } finally {
      clearTimeout(timer);
      await engine.close();
    }
  } catch {
    return false;
  }
}

/** Reads a registry base spec (`docker://` prefix allowed) with the given options. */
export async function resolveRegistryBase(
  spec: string,
  options: RegistryReadOptions & { cacheDir?: string | false } = {},
): Promise<ImageOrIndex> {
  return readRegistry(spec.startsWith('docker://') ? spec.slice('docker://'.length) : spec, options);
}
