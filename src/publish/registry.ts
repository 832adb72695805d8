import { MinnowError } from '../errors.js';
import { isImageConfig, type Digest, type Publishable } from '../oci/index.js';
import { RegistryClient, type RegistryClientOptions, type Repo } from '../registry/client.js';
import { blobOriginOn } from '../registry/origins.js';
import type { ProgressCallback, TransferProgress } from '../registry/progress.js';
import { formatReference, parseReference, referenceName, type Reference } from '../registry/reference.js';
import { registryError } from '../registry/registry-error.js';
import { uploadBlob } from '../registry/upload.js';
import { allContents, type BlobToWrite, type ManifestToWrite } from './blobs.js';

/** Options of `pushImage`; every field is optional. */
export interface PushOptions extends RegistryClientOptions {
  /** More tags for the same repository, pushed after the reference's own tag. */
  tags?: string[];
  /** Per-blob progress. */
  onProgress?: ProgressCallback;
  /** Blobs uploaded at once. Default 4. */
  concurrency?: number;
  /** Blobs up to this size go up in one PUT, larger ones in PATCH chunks. Default 8 MiB. */
  monolithicMaxBytes?: number;
  /** PATCH chunk size. Default 16 MiB. */
  chunkBytes?: number;
  /**
   * Repositories on the same registry to mount blobs from. Blobs pulled through `pullImage` are remembered
   * and mounted from their repository automatically.
   */
  mountFrom?: string[];
  client?: RegistryClient;
}

/** What a push did. */
export interface PushResult {
  /** `registry/repository@sha256:...`. */
  ref: string;
  digest: Digest;
  /** Every tag reference that now names the image. */
  tags: string[];
  /** Blob counts: sent, already present, mounted from another repository. */
  uploaded: number;
  existing: number;
  mounted: number;
  /**
   * True when the registry answered the root manifest's PUT with `OCI-Subject`: it has the referrers API and
   * indexes the manifest's `subject` itself (distribution-spec 1.1).
   */
  subjectIndexed: boolean;
}

async function pool<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (next < items.length && failed === undefined) {
      const item = items[next++] as T;
      try {
        await run(item);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

function blobKind(b: BlobToWrite): TransferProgress['kind'] {
  return isImageConfig(b.descriptor.mediaType) ? 'config' : 'layer';
}

async function putManifest(
  client: RegistryClient,
  repo: Repo,
  target: string,
  m: ManifestToWrite,
): Promise<{ subjectIndexed: boolean }> {
  const subject = `${referenceName(repo as Reference)}${target.startsWith('sha256:') ? '@' : ':'}${target}`;
  const res = await client.request(repo, {
    method: 'PUT',
    path: `manifests/${target}`,
    headers: { 'content-type': m.descriptor.mediaType, 'content-length': String(m.raw.length) },
    body: () => m.raw,
    actions: ['pull', 'push'],
  });
  if (res.status !== 201 && res.status !== 200)
    throw await registryError(res, { action: 'push', subject, registry: repo.registry });
  await res.body.dump();
  const confirmed = res.headers['docker-content-digest'];
  if (confirmed && confirmed !== m.descriptor.digest) {
    throw new MinnowError(
      'DIGEST_MISMATCH',
      `the registry stored manifest ${subject} as ${confirmed}, want ${m.descriptor.digest}`,
      { subject },
    );
  }
  return { subjectIndexed: res.headers['oci-subject'] !== undefined };
}

/**
 * Pushes an image, index or artifact to a registry: blobs first (HEAD to skip what is there, cross-repository mount when
 * the blob came from the same registry, else upload), then child manifests by digest, then the root manifest
 * under each tag. The tag is written only after every blob and child is confirmed, so it never names an
 * incomplete image.
 */
export async function pushImage(
  reference: string | Reference,
  target: Publishable,
  options: PushOptions = {},
): Promise<PushResult> {
  const ref = typeof reference === 'string' ? parseReference(reference) : reference;
  const repo: Repo = { registry: ref.registry, repository: ref.repository };
  const extraTags = (options.tags ?? []).map((t) => {
    const parsed = parseReference(`${referenceName(ref)}:${t}`);
    return parsed.tag as string;
  });
  const client = options.client ?? new RegistryClient(options);
  const counts = { uploaded: 0, existing: 0, mounted: 0 };
  try {
    const contents = await allContents(target);
    if (ref.digest && ref.digest !== contents.root.descriptor.digest) {
      throw new MinnowError(
        'INVALID_ARGUMENT',
        `cannot push to ${formatReference(ref)}: the image's digest is ${contents.root.descriptor.digest}`,
        { subject: formatReference(ref), hint: 'leave the digest out of a push reference, or name a tag' },
      );
    }
    const report = options.onProgress;
    await pool(contents.blobs, options.concurrency ?? 4, async (b) => {
      const d = b.descriptor;
      const kind = blobKind(b);
      const event = (status: TransferProgress['status'], done: number): void =>
        report?.({ direction: 'push', kind, digest: d.digest, total: d.size, done, status });
      if (await client.hasBlob(repo, d.digest, ['pull', 'push'])) {
        counts.existing++;
        event('exists', d.size);
        return;
      }
      const from =
        options.mountFrom?.find((r) => r !== repo.repository) ??
        blobOriginOn(d.digest, repo.registry, repo.repository);
      event('start', 0);
      const outcome = await uploadBlob(client, repo, d, b.open, from, {
        monolithicMaxBytes: options.monolithicMaxBytes,
        chunkBytes: options.chunkBytes,
        signal: options.signal,
        onBytes: report ? (n) => event('progress', n) : undefined,
        onRetry: () => event('retry', 0),
      });
      counts[outcome === 'mounted' ? 'mounted' : 'uploaded']++;
      event(outcome === 'mounted' ? 'mounted' : 'done', d.size);
    });
    const children = contents.manifests.filter((m) => m !== contents.root);
    for (const m of children) await putManifest(client, repo, m.descriptor.digest, m);
    const tags = ref.tag ? [ref.tag, ...extraTags] : extraTags;
    let subjectIndexed = false;
    const putRoot = async (target: string): Promise<void> => {
      subjectIndexed =
        (await putManifest(client, repo, target, contents.root)).subjectIndexed || subjectIndexed;
    };
    if (tags.length === 0) await putRoot(contents.root.descriptor.digest);
    for (const tag of [...new Set(tags)]) await putRoot(tag);
    const digest = contents.root.descriptor.digest;
    return {
      ref: `${referenceName(ref)}@${digest}`,
      digest,
      tags: [...new Set(tags)].map((tag) => formatReference({ ...repo, tag })),
      ...counts,
      subjectIndexed,
    };
  } finally {
    if (!options.client) await client.close();
  }
}
