import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MinnowError, messageOf } from '../errors.js';
import {
  blobFileStream,
  canonicalJson,
  DigestingStream,
  fromIndexParts,
  fromParts,
  isImageManifest,
  isIndex,
  MediaType,
  parseDigest,
  parseImageConfig,
  parseIndexManifest,
  parseManifest,
  sha256,
  sniffCompression,
  sniffManifestMediaType,
  splitNameTag,
  verifyBytes,
  type BlobFile,
  type Descriptor,
  type Digest,
  type ImageOrIndex,
  type Manifest,
} from '../oci/index.js';
import { indexTar, resolveMember, type TarMember } from './tar-index.js';

export interface DockerArchiveReadOptions {
  /** `name:tag` (one of the archive's RepoTags) or `@N` (the Nth image) to pick; default: the only image. */
  ref?: string;
}

/** One entry of a `docker save` manifest.json. */
interface SaveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

/** Docker's media type for an uncompressed layer tar (what legacy `docker save` stores). */
const DOCKER_LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';
const SMALL = 16 * 1024 * 1024;

async function readMember(file: string, m: TarMember, limit = SMALL): Promise<Buffer> {
  if (m.size > limit)
    throw new MinnowError('LIMIT_EXCEEDED', `${m.name} in ${file} is too large (${m.size} bytes)`);
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(m.size);
    await fh.read(buf, 0, m.size, m.offset);
    return buf;
  } finally {
    await fh.close();
  }
}

function streamMember(file: string, m: TarMember): Readable {
  if (m.size === 0) return Readable.from([]);
  return blobFileStream(file, { start: m.offset, end: m.offset + m.size - 1 });
}

function parseJson(data: Buffer, what: string, file: string): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw new MinnowError('INVALID_IMAGE', `${what} in ${file} is not valid JSON (${messageOf(err)})`, {
      subject: file,
    });
  }
}

function parseSaveManifest(data: Buffer, file: string): SaveEntry[] {
  const doc = parseJson(data, 'manifest.json', file);
  const ok =
    Array.isArray(doc) &&
    doc.every(
      (e: unknown) =>
        typeof e === 'object' &&
        e !== null &&
        typeof (e as SaveEntry).Config === 'string' &&
        Array.isArray((e as SaveEntry).Layers) &&
        (e as SaveEntry).Layers.every((l) => typeof l === 'string'),
    );
  if (!ok || doc.length === 0) {
    throw new MinnowError('INVALID_IMAGE', `manifest.json in ${file} is not a docker save manifest`, {
      subject: file,
    });
  }
  return doc as SaveEntry[];
}

function pick(entries: SaveEntry[], ref: string | undefined, file: string): SaveEntry {
  const tags = entries.flatMap((e) => e.RepoTags ?? []);
  if (ref?.startsWith('@')) {
    const e = entries[Number(ref.slice(1))];
    if (!e) throw new MinnowError('NOT_FOUND', `${file} has no image ${ref}`, { subject: file });
    return e;
  }
  if (ref) {
    const want = splitNameTag(ref).tag === undefined ? `${ref}:latest` : ref;
    const e = entries.find((x) =>
      (x.RepoTags ?? []).some((t) => t === want || t === `docker.io/library/${want}`),
    );
    if (!e) {
      throw new MinnowError('NOT_FOUND', `${file} has no image tagged ${ref}`, {
        subject: file,
        hint: tags.length ? `tags present: ${tags.join(', ')}` : 'the archive has no tags; use @0',
      });
    }
    return e;
  }
  if (entries.length > 1) {
    throw new MinnowError('INVALID_ARGUMENT', `${file} holds ${entries.length} images: name one`, {
      subject: file,
      hint: tags.length ? `use docker-archive:${file}:TAG with one of: ${tags.join(', ')}` : 'use @N',
    });
  }
  return entries[0] as SaveEntry;
}

/** The hex digest a `blobs/sha256/<hex>` or `<hex>.json` member name carries, if any. */
function digestFromName(name: string): Digest | undefined {
  const m = /(?:^|\/)(?:sha256\/)?([a-f0-9]{64})(?:\.json)?$/.exec(name);
  return m ? (`sha256:${m[1]}` as Digest) : undefined;
}

async function sliceDigest(file: string, m: TarMember): Promise<Digest> {
  const d = new DigestingStream();
  await pipeline(streamMember(file, m), d, async (src) => {
    for await (const _ of src) void _;
  });
  return d.digest;
}

/**
 * The name of the image `options.ref` picks in a docker save archive: its first RepoTags entry (`golang:1.21`,
 * docker.io/library/ dropped), or undefined for an untagged one.
 */
export async function archiveImageName(
  file: string,
  options: DockerArchiveReadOptions = {},
): Promise<string | undefined> {
  const members = await indexTar(file);
  const manifestMember = resolveMember(members, 'manifest.json');
  if (!manifestMember) return undefined;
  const entry = pick(parseSaveManifest(await readMember(file, manifestMember), file), options.ref, file);
  return entry.RepoTags?.[0]?.replace(/^docker\.io\/library\//, '');
}

/**
 * Reads an image from a `docker save` archive: the legacy form (`<id>/layer.tar`, `<config>.json`,
 * `manifest.json`) and the OCI form the Engine writes since Docker 25 (also an OCI layout: `index.json`, `blobs/`).
 * The tar is indexed once and blobs are read in place; every blob is verified against its digest as it is read.
 * A legacy archive has no registry manifest, so one is synthesized (Docker schema 2) from the config and layers.
 */
export async function readDockerArchive(
  file: string,
  options: DockerArchiveReadOptions = {},
): Promise<ImageOrIndex> {
  const members = await indexTar(file);
  const manifestMember = resolveMember(members, 'manifest.json');
  if (!manifestMember) {
    throw new MinnowError('INVALID_IMAGE', `${file} is not a docker save archive (no manifest.json)`, {
      subject: file,
    });
  }
  const entry = pick(parseSaveManifest(await readMember(file, manifestMember), file), options.ref, file);
  const byDigest = new Map<string, TarMember>();
  for (const m of members.values()) {
    const d = m.type === 'file' ? digestFromName(m.name) : undefined;
    if (d && m.name.startsWith('blobs/')) byDigest.set(d, m);
  }
  const blob = async (d: Descriptor): Promise<Readable> => {
    const m = byDigest.get(d.digest);
    if (!m) throw new MinnowError('NOT_FOUND', `${file} has no blob ${d.digest}`, { subject: file });
    return streamMember(file, m);
  };
  const blobFile = async (d: Descriptor): Promise<BlobFile | undefined> => {
    const m = byDigest.get(d.digest);
    return m && m.size === d.size ? { path: file, start: m.offset, size: m.size } : undefined;
  };

  const configMember = resolveMember(members, entry.Config);
  if (!configMember) {
    throw new MinnowError('INVALID_IMAGE', `${file} names config ${entry.Config} but does not hold it`, {
      subject: file,
    });
  }
  const rawConfig = await readMember(file, configMember);
  parseImageConfig(rawConfig);
  const configDigest = sha256(rawConfig);
  const named = digestFromName(entry.Config);
  if (named && named !== configDigest) {
    throw new MinnowError('DIGEST_MISMATCH', `config ${entry.Config} in ${file} hashes to ${configDigest}`, {
      subject: file,
    });
  }

  // The OCI form: use the manifest the Engine stored, so the digest is the image's real one.
  const indexMember = resolveMember(members, 'index.json');
  if (indexMember) {
    const index = parseIndexManifest(await readMember(file, indexMember));
    const rawOf = async (d: Descriptor): Promise<Buffer> => {
      const m = byDigest.get(d.digest);
      if (!m) throw new MinnowError('NOT_FOUND', `${file} has no blob ${d.digest}`, { subject: file });
      const raw = await readMember(file, m);
      verifyBytes(raw, d.digest, d.size, `manifest ${d.digest}`);
      return raw;
    };
    for (const d of index.manifests) {
      if (!byDigest.has(d.digest)) continue;
      const raw = await rawOf(d);
      const mediaType = sniffManifestMediaType(raw, d.mediaType);
      if (isImageManifest(mediaType) && parseManifest(raw).config.digest === configDigest) {
        return {
          kind: 'image',
          image: fromParts({ rawManifest: raw, blob, blobFile, mediaType, rawConfig }),
        };
      }
      if (isIndex(mediaType)) {
        const child = parseIndexManifest(raw).manifests;
        for (const c of child) {
          if (!byDigest.has(c.digest)) continue;
          const cm = await rawOf(c);
          if (
            isImageManifest(sniffManifestMediaType(cm, c.mediaType)) &&
            parseManifest(cm).config.digest === configDigest
          ) {
            const idx = fromIndexParts({ rawManifest: raw, manifest: rawOf, blob, blobFile, mediaType });
            return { kind: 'image', image: await idx.image(c) };
          }
        }
      }
    }
  }

  // The legacy form: synthesize a manifest from the config and the layer files.
  const config = parseImageConfig(rawConfig);
  if (config.rootfs.diff_ids.length !== entry.Layers.length) {
    throw new MinnowError(
      'INVALID_IMAGE',
      `${file}: manifest.json lists ${entry.Layers.length} layers but the config lists ${config.rootfs.diff_ids.length} diff_ids`,
      { subject: file },
    );
  }
  const layers: Descriptor[] = [];
  for (const [i, path] of entry.Layers.entries()) {
    const m = resolveMember(members, path);
    if (!m)
      throw new MinnowError('INVALID_IMAGE', `${file} names layer ${path} but does not hold it`, {
        subject: file,
      });
    const head = await readMember(file, { ...m, size: Math.min(m.size, 4) });
    const compression = sniffCompression(head);
    const diffId = parseDigest(config.rootfs.diff_ids[i] as string);
    // An uncompressed layer's digest is its diff_id (checked as it is read); a compressed one is hashed now.
    const digest = compression === 'none' ? diffId : await sliceDigest(file, m);
    byDigest.set(digest, m);
    layers.push({
      mediaType:
        compression === 'gzip'
          ? MediaType.DockerLayerGzip
          : compression === 'zstd'
            ? MediaType.OciLayerZstd
            : DOCKER_LAYER_TAR,
      digest,
      size: m.size,
    });
  }
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.DockerManifest,
    config: { mediaType: MediaType.DockerConfig, digest: configDigest, size: rawConfig.length },
    layers,
  };
  return {
    kind: 'image',
    image: fromParts({
      rawManifest: canonicalJson(manifest),
      blob,
      blobFile,
      mediaType: MediaType.DockerManifest,
      rawConfig,
    }),
  };
}
