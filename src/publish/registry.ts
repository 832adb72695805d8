import { MinnowError } from '../errors.js';
import { isImageConfig, type Descriptor, type Digest, type Publishable } from '../oci/index.js';
import { RegistryClient, type RegistryClientOptions, type Repo } from '../registry/client.js';
import { blobOrigins } from '../registry/origins.js';
import type { ProgressCallback, TransferProgress } from '../registry/progress.js';
import { formatReference, parseReference, referenceName, type Reference } from '../registry/reference.js';
import { registryError } from '../registry/registry-error.js';
import { uploadBlob } from '../registry/upload.js';
import { mapLimit } from '../util/map-limit.js';
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

/** Small requests (HEADs) in flight at once. */
const HEAD_CONCURRENCY = 16;

function blobKind(b: BlobToWrite): TransferProgress['kind'] {
  return isImageConfig(b.descriptor.mediaType) ? 'config' : 'layer';
}

async function putManifest(
  client: RegistryClient,
  repo: Repo,
  target: string,
  m: ManifestToWrite,
  signal?: AbortSignal,
): Promise<{ subjectIndexed: boolean }> {
  // A stopped push (Ctrl-C, SIGTERM) must not go on to name what it uploaded.
  if (signal?.aborted) throw new MinnowError('ABORTED', 'cancelled', { cause: signal.reason });
  const subject = `${referenceName(repo as Reference)}${target.startsWith('sha256:') ? '@' : ':'}${target}`;
  const res = await client.request(repo, {
    method: 'PUT',
    path: `manifests/${target}`,
    headers: { 'content-type': m.descriptor.mediaType, 'content-length': String(m.raw.length) },
    body: () => m.raw,
    actions: ['pull', 'push'],
    ...(signal ? { signal } : {}),
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
 * Pushes an image, index or artifact to a registry: when the registry already has the root manifest by digest, only
 * the tags are written; else blobs first (all HEADs at once to skip what is there, sent with the manifest's when
 * the repository is new to these blobs, then cross-repository mount when the blob came from the same registry,
 * else upload), then child manifests by digest, then the root manifest
 * under each tag. A tag is written only after every blob and child is confirmed, so it never names an
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
    const exists = (b: BlobToWrite): void => {
      counts.existing++;
      blobOrigins.remember(b.descriptor.digest, repo);
      const d = b.descriptor;
      report?.({
        direction: 'push',
        kind: blobKind(b),
        digest: d.digest,
        total: d.size,
        done: d.size,
        status: 'exists',
      });
    };
    const root = contents.root.descriptor;
    const tags = [...new Set(ref.tag ? [ref.tag, ...extraTags] : extraTags)];
    const head = (target: string): Promise<Descriptor | undefined> =>
      client.headManifest(repo, target, ['pull', 'push']).catch((err: unknown) => {
        if (options.signal?.aborted) throw err;
        return undefined;
      });
    // Where earlier pushes and pulls saw these blobs on this registry, for mounts, and whether this repository
    // holds them (read while the manifest HEADs go out: a file of a few KB).
    const knownOrigins = blobOrigins.load(repo.registry);
    // A registry holds a manifest only once it holds everything it references: when it has this one by digest,
    // every blob and child is there and only the tags remain to be written; a tag that already names it is not
    // written again (as crane does). Its HEADs go with the digest's, so they cost no round trip of their own.
    const manifestHeads = Promise.all([head(root.digest), ...tags.map(head)]);
    await knownOrigins;
    // A blob another repository of this registry holds, and this one is not known to, is mounted without a HEAD
    // first (as docker does): a mount of a blob the repository has already succeeds all the same, so the HEAD
    // would only cost a request (on a first push of an image on a pulled base, one per base layer).
    const mountable = new Set(
      contents.blobs.filter(
        (b) =>
          !blobOrigins.holds(b.descriptor.digest, repo) &&
          blobOrigins.on(b.descriptor.digest, repo.registry, repo.repository) !== undefined,
      ),
    );
    const asked = contents.blobs.filter((b) => !mountable.has(b));
    const blobHeads = (): Promise<boolean[]> =>
      mapLimit(asked, HEAD_CONCURRENCY, (b) =>
        client.hasBlob(repo, b.descriptor.digest, ['pull', 'push'], options.signal),
      );
    // A repository these blobs were never seen in is most likely new to this image: the blob HEADs go out now,
    // beside the manifest's, not a round trip later (a first push). Where they were all seen (a push again), the
    // manifest's answer comes first and, when it is there, no blob is asked about.
    const seenHere = contents.blobs.every((b) => blobOrigins.holds(b.descriptor.digest, repo));
    const early = seenHere || asked.length === 0 ? undefined : blobHeads();
    // Settled here if the manifest answers first; awaited below when its answer is needed.
    early?.catch(() => undefined);
    const [held, ...tagged] = await manifestHeads;
    const complete = held?.digest === root.digest;
    const tagsToWrite = tags.filter(
      (_, i) => !complete || target.kind === 'artifact' || tagged[i]?.digest !== root.digest,
    );
    // Settled before going on, so no HEAD is left running behind the caller's back.
    if (complete) await early?.catch(() => undefined);
    const present = complete ? [] : await (early ?? blobHeads());
    const missing = complete ? [] : contents.blobs.filter((b) => mountable.has(b));
    for (const [i, b] of asked.entries()) {
      if (!complete && !present[i]) missing.push(b);
    }
    for (const b of contents.blobs) if (!missing.includes(b)) exists(b);
    await mapLimit(missing, options.concurrency ?? 4, async (b) => {
      const d = b.descriptor;
      const kind = blobKind(b);
      const event = (status: TransferProgress['status'], done: number): void =>
        report?.({ direction: 'push', kind, digest: d.digest, total: d.size, done, status });
      const from =
        options.mountFrom?.find((r) => r !== repo.repository) ??
        blobOrigins.on(d.digest, repo.registry, repo.repository);
      event('start', 0);
      const outcome = await uploadBlob(client, repo, d, b.open, from, {
        monolithicMaxBytes: options.monolithicMaxBytes,
        chunkBytes: options.chunkBytes,
        signal: options.signal,
        onBytes: report ? (n) => event('progress', n) : undefined,
        onRetry: () => event('retry', 0),
      });
      counts[outcome === 'mounted' ? 'mounted' : 'uploaded']++;
      // A refused mount (the blob is gone from there, or not ours to read) is not tried again.
      if (from && outcome !== 'mounted')
        blobOrigins.forget(d.digest, { registry: repo.registry, repository: from });
      blobOrigins.remember(d.digest, repo);
      event(outcome === 'mounted' ? 'mounted' : 'done', d.size);
    });
    const children = complete ? [] : contents.manifests.filter((m) => m !== contents.root);
    const signal = options.signal;
    for (const m of children) await putManifest(client, repo, m.descriptor.digest, m, signal);
    let subjectIndexed = false;
    const putRoot = async (target: string): Promise<void> => {
      subjectIndexed =
        (await putManifest(client, repo, target, contents.root, signal)).subjectIndexed || subjectIndexed;
    };
    // An artifact is always PUT: the answer says whether the registry indexed its subject (OCI-Subject).
    if (tags.length === 0 && (!complete || target.kind === 'artifact')) await putRoot(root.digest);
    for (const tag of tagsToWrite) await putRoot(tag);
    const digest = contents.root.descriptor.digest;
    return {
      ref: `${referenceName(ref)}@${digest}`,
      digest,
      tags: tags.map((tag) => formatReference({ ...repo, tag })),
      ...counts,
      subjectIndexed,
    };
  } finally {
    await blobOrigins.save();
    if (!options.client) await client.close();
  }
}
