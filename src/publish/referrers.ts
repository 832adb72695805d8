import { MinnowError } from '../errors.js';
import {
  artifactTypeOf,
  canonicalJson,
  digestAlgorithm,
  digestHex,
  MediaType,
  parseIndexManifest,
  type Artifact,
  type Descriptor,
  type Digest,
  type IndexManifest,
} from '../oci/index.js';
import { RegistryClient, type Repo } from '../registry/client.js';
import { registryError } from '../registry/registry-error.js';
import { pushImage, type PushOptions } from './registry.js';

/** How a registry lists the referrers of a manifest. */
export type ReferrersMode = 'referrers-api' | 'tag-schema';

/**
 * The referrers tag schema's tag for a subject (distribution-spec 1.1): `<alg>-<hex>`, e.g. `sha256-4f…`, naming
 * an image index of the subject's referrers on registries without the referrers API.
 */
export function referrersTag(subject: Digest): string {
  return `${digestAlgorithm(subject)}-${digestHex(subject)}`;
}

/** The descriptor of a referrer as a referrers response lists it: with its artifactType and annotations. */
export async function referrerDescriptor(artifact: Artifact): Promise<Descriptor> {
  const m = await artifact.manifest();
  const raw = await artifact.rawManifest();
  return {
    mediaType: m.mediaType,
    digest: await artifact.digest(),
    size: raw.length,
    artifactType: artifactTypeOf(m),
    ...(m.annotations ? { annotations: m.annotations } : {}),
  };
}

/** Options of `attachReferrer`. */
export interface AttachOptions extends PushOptions {
  /**
   * Earlier referrers of the same subject this one replaces (minnow's previous SBOM of the image); other
   * tools' entries are never touched. Default: none.
   */
  replaces?: (existing: Descriptor) => boolean;
}

/** What attaching one referrer did. */
export interface AttachResult {
  descriptor: Descriptor;
  mode: ReferrersMode;
  /** Blobs sent (0 when everything was already there). */
  uploaded: number;
  /** Earlier referrers this one replaced. */
  replaced: Digest[];
}

const EMPTY_INDEX = (): IndexManifest => ({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] });

/** The referrers API's answer, or undefined when the registry has no such API (404 or 405). */
async function referrersFromApi(
  client: RegistryClient,
  repo: Repo,
  subject: Digest,
): Promise<Descriptor[] | undefined> {
  const res = await client.request(repo, {
    method: 'GET',
    path: `referrers/${subject}`,
    headers: { accept: MediaType.OciIndex },
  });
  if (res.status === 404 || res.status === 405 || res.status === 400) {
    await res.body.dump();
    return undefined;
  }
  const what = `${repo.registry}/${repo.repository}@${subject}`;
  if (res.status !== 200)
    throw await registryError(res, { action: 'pull', subject: what, registry: repo.registry });
  const type = res.headers['content-type']?.split(';')[0]?.trim();
  const raw = Buffer.from(await res.body.text());
  // A registry that answers this path with something else (an HTML page, a manifest) has no referrers API.
  if (type !== MediaType.OciIndex) return undefined;
  return parseIndexManifest(raw).manifests;
}

/** The tag schema's index for a subject; empty when the tag does not exist yet. */
async function tagSchemaIndex(client: RegistryClient, repo: Repo, subject: Digest): Promise<IndexManifest> {
  const tag = referrersTag(subject);
  if (!(await client.headManifest(repo, tag))) return EMPTY_INDEX();
  const got = await client.getManifest(repo, tag);
  const index = parseIndexManifest(got.raw);
  return index;
}

/**
 * Every referrer of `subject` in a repository: through the referrers API when the registry has it, else from the
 * tag schema's index. Optionally only those of one artifactType.
 */
export async function listReferrers(
  client: RegistryClient,
  repo: Repo,
  subject: Digest,
  options: { artifactType?: string } = {},
): Promise<{ mode: ReferrersMode; referrers: Descriptor[] }> {
  const api = await referrersFromApi(client, repo, subject);
  const mode: ReferrersMode = api ? 'referrers-api' : 'tag-schema';
  const all = api ?? (await tagSchemaIndex(client, repo, subject)).manifests;
  const referrers = options.artifactType ? all.filter((d) => d.artifactType === options.artifactType) : all;
  return { mode, referrers };
}

async function deleteManifest(client: RegistryClient, repo: Repo, digest: Digest): Promise<boolean> {
  const res = await client.request(repo, {
    method: 'DELETE',
    path: `manifests/${digest}`,
    actions: ['pull', 'push', 'delete'],
  });
  await res.body.dump();
  return res.status === 202 || res.status === 200;
}

/**
 * Pushes an artifact whose manifest has a `subject`, and makes it discoverable as a referrer of that subject.
 * When the registry answers the manifest PUT with `OCI-Subject` it indexes the referrer itself; replaced entries
 * are then deleted so they leave the list. Otherwise the tag schema's index (`sha256-<hex>`) is read, merged
 * (every other entry kept, other tools' included), and written back only when it changed.
 */
export async function attachReferrer(
  repository: Repo,
  artifact: Artifact,
  options: AttachOptions = {},
): Promise<AttachResult> {
  const subject = (await artifact.manifest()).subject;
  if (!subject) {
    throw new MinnowError(
      'INVALID_ARGUMENT',
      'only an artifact with a subject can be attached as a referrer',
    );
  }
  const repo: Repo = { registry: repository.registry, repository: repository.repository };
  const client = options.client ?? new RegistryClient(options);
  try {
    const pushed = await pushImage(repo, { kind: 'artifact', artifact }, { ...options, client });
    const descriptor = await referrerDescriptor(artifact);
    const isReplaced = (d: Descriptor): boolean =>
      d.digest !== descriptor.digest && (options.replaces?.(d) ?? false);
    const replaced: Digest[] = [];
    // `OCI-Subject` on the PUT says the registry indexed the subject; registries that predate that header (or
    // forget it, as go-containerregistry's does) still show the referrer in their referrers API answer.
    const listed = await referrersFromApi(client, repo, subject.digest);
    if (pushed.subjectIndexed || listed?.some((d) => d.digest === descriptor.digest)) {
      for (const d of (listed ?? []).filter(isReplaced)) {
        if (await deleteManifest(client, repo, d.digest)) replaced.push(d.digest);
      }
      return { descriptor, mode: 'referrers-api', uploaded: pushed.uploaded, replaced };
    }
    const index = await tagSchemaIndex(client, repo, subject.digest);
    const kept = index.manifests.filter((d) => d.digest !== descriptor.digest && !isReplaced(d));
    for (const d of index.manifests) if (isReplaced(d)) replaced.push(d.digest);
    const unchanged = replaced.length === 0 && kept.length === index.manifests.length - 1;
    if (!unchanged) {
      const next: IndexManifest = { ...index, manifests: [...kept, descriptor] };
      const raw = canonicalJson(next);
      const tag = referrersTag(subject.digest);
      const res = await client.request(repo, {
        method: 'PUT',
        path: `manifests/${tag}`,
        headers: { 'content-type': MediaType.OciIndex, 'content-length': String(raw.length) },
        body: () => raw,
        actions: ['pull', 'push'],
      });
      if (res.status !== 201 && res.status !== 200) {
        throw await registryError(res, {
          action: 'push',
          subject: `${repo.registry}/${repo.repository}:${tag}`,
          registry: repo.registry,
        });
      }
      await res.body.dump();
    }
    return { descriptor, mode: 'tag-schema', uploaded: pushed.uploaded, replaced };
  } finally {
    if (!options.client) await client.close();
  }
}
