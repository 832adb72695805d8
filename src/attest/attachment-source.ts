import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { sourceFor } from '../base/resolve.js';
import { MinnowError } from '../errors.js';
import { readSmall } from '../base/layout.js';
import { layoutOfSpec, ociLayoutSource } from '../base/sources/oci-layout.js';
import { registrySource } from '../base/sources/registry.js';
import type { BaseSource } from '../base/source.js';
import {
  artifactFromParts,
  isIndex,
  layoutBlobPath,
  parseIndexManifest,
  parseManifest,
  REF_NAME_ANNOTATION,
  verifyBytes,
  type Artifact,
  type Descriptor,
  type Digest,
} from '../oci/index.js';
import { listReferrers } from '../publish/referrers.js';
import type { RegistryClient, Repo } from '../registry/client.js';
import { parseReference } from '../registry/reference.js';

/**
 * Where the things attached to an image are read from, to copy them with it (copy.ts): its referrers (manifests
 * whose `subject` is the image: SBOMs, provenance, other tools' artifacts) and the manifests under cosign's tags
 * (`sha256-<hex>.sig`, `.att`, `.sbom`).
 */
export interface AttachmentSource {
  /** Where they are read, for messages. */
  readonly description: string;
  /** Every referrer of `subject` that is a manifest (an index as referrer is rare and not copied). */
  referrers(subject: Digest): Promise<Artifact[]>;
  /** The manifest tagged `tag`, or undefined when there is none. */
  tagged(tag: string): Promise<Artifact | undefined>;
}

/**
 * Referrers one image may list, at most: more is refused before any is read (a hostile tag-schema index of
 * thousands of entries would otherwise be thousands of requests). copy.ts bounds the whole walk the same way.
 */
export const MAX_REFERRERS = 256;

function bounded<T>(listed: T[], subject: Digest, where: string): T[] {
  if (listed.length > MAX_REFERRERS) {
    throw new MinnowError(
      'LIMIT_EXCEEDED',
      `${where} lists ${listed.length} referrers of ${subject}, more than the ${MAX_REFERRERS} copied`,
      { subject: where },
    );
  }
  return listed;
}

/** A manifest read by digest, checked against it. */
function checked(raw: Buffer, digest: Digest): Buffer {
  verifyBytes(raw, digest, undefined, `manifest ${digest}`);
  return raw;
}

/** The attachments of an image in a registry repository: the referrers API or the tag schema, cosign's tags. */
export function registryAttachments(client: RegistryClient, repo: Repo): AttachmentSource {
  const artifact = (raw: Buffer): Artifact =>
    artifactFromParts({ rawManifest: raw, blob: (d) => client.openBlob(repo, d) });
  return {
    description: `${repo.registry}/${repo.repository}`,
    async referrers(subject) {
      const { referrers } = await listReferrers(client, repo, subject);
      const out: Artifact[] = [];
      const manifests = referrers.filter((r) => !isIndex(r.mediaType));
      for (const d of bounded(manifests, subject, `${repo.registry}/${repo.repository}`)) {
        out.push(artifact(checked((await client.getManifest(repo, d.digest)).raw, d.digest)));
      }
      return out;
    },
    async tagged(tag) {
      if (!(await client.headManifest(repo, tag))) return undefined;
      const got = await client.getManifest(repo, tag);
      return isIndex(got.mediaType) ? undefined : artifact(got.raw);
    },
  };
}

/** A manifest entry of a layout's index.json and its bytes (checked against the entry's digest). */
export interface LayoutEntry {
  descriptor: Descriptor;
  raw: Buffer;
}

/** index.json's manifests (not indexes), each with its bytes: what a layout lists referrers and tags among. */
export async function layoutEntries(dir: string): Promise<LayoutEntry[]> {
  const index = parseIndexManifest(await readSmall(join(dir, 'index.json'), `${dir}/index.json`));
  const manifests = index.manifests.filter((d) => !isIndex(d.mediaType));
  return Promise.all(
    manifests.map(async (d) => ({
      descriptor: d,
      raw: checked(await readSmall(layoutBlobPath(dir, d.digest), `manifest ${d.digest}`), d.digest),
    })),
  );
}

/** The entries of `entries` whose manifest names `subject`: its referrers in a layout. */
export function referrerEntries(entries: LayoutEntry[], subject: Digest): LayoutEntry[] {
  return entries.filter((e) => parseManifest(e.raw).subject?.digest === subject);
}

/** The attachments of an image in an OCI layout: the referrers index.json lists, and its tagged entries. */
export function layoutAttachments(dir: string): AttachmentSource {
  const artifact = (raw: Buffer): Artifact =>
    artifactFromParts({
      rawManifest: raw,
      blob: async (d) => createReadStream(layoutBlobPath(dir, d.digest)),
    });
  /** Read once. */
  let entries: Promise<LayoutEntry[]> | undefined;
  const all = (): Promise<LayoutEntry[]> => (entries ??= layoutEntries(dir));
  return {
    description: dir,
    async referrers(subject) {
      const listed = referrerEntries(await all(), subject);
      return bounded(listed, subject, dir).map((e) => artifact(e.raw));
    },
    async tagged(tag) {
      const entry = (await all()).find((e) => e.descriptor.annotations?.[REF_NAME_ANNOTATION] === tag);
      return entry ? artifact(entry.raw) : undefined;
    },
  };
}

/** The kinds of image source that can hold attachments; every other kind (an archive, the Engine) holds none. */
const ATTACHMENT_SOURCES = new Map<
  BaseSource,
  (spec: string, client: RegistryClient) => Promise<AttachmentSource>
>([
  [ociLayoutSource, async (spec) => layoutAttachments((await layoutOfSpec(spec)).dir)],
  [
    registrySource,
    async (spec, client) => {
      const ref = parseReference(spec.startsWith('docker://') ? spec.slice('docker://'.length) : spec);
      return registryAttachments(client, { registry: ref.registry, repository: ref.repository });
    },
  ],
]);

/** Where the attachments of the image `spec` names are read (base/resolve.ts's forms), or undefined. */
export async function attachmentSourceOf(
  spec: string,
  client: RegistryClient,
): Promise<AttachmentSource | undefined> {
  const kind = await sourceFor(spec);
  const open = kind && ATTACHMENT_SOURCES.get(kind);
  return open ? open(spec, client) : undefined;
}
