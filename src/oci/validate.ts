import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MinnowError, messageOf } from '../errors.js';
import { decompress } from './compression.js';
import { parseImageConfig, type ImageConfig } from './config.js';
import type { Descriptor } from './descriptor.js';
import { DigestingStream, sha256, type Digest } from './digest.js';
import type { Image, ImageIndex, ImageOrIndex } from './image.js';
import type { Layer } from './layer.js';
import { parseIndexManifest, parseManifest, type Manifest } from './manifest.js';
import { isIndex } from './media-types.js';

/*
 * As strict as go-containerregistry's pkg/v1/validate: every accessor is compared with the manifest, the config
 * and what the raw bytes recompute to, and every mismatch is reported, not only the first. Messages name the
 * accessor and the recomputed value (`layer[0] digest: digest()=…, sha256(compressed())=…`).
 */

const discard = (): Writable =>
  new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });

/** JSON with sorted keys and no undefined members, so equal content compares equal however it was built. */
function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** Runs `f`; a failure becomes a problem `what: message` and the result undefined. */
async function attempt<T>(problems: string[], what: string, f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch (err) {
    problems.push(`${what}: ${messageOf(err)}`);
    return undefined;
  }
}

/** Digest and size of a stream, read to the end. */
async function digestOf(open: () => Promise<Readable>): Promise<{ digest: Digest; size: number }> {
  const d = new DigestingStream();
  await pipeline(await open(), d, discard());
  return { digest: d.digest, size: d.size };
}

/** The compressed blob's digest and size and the tar's digest, in one pass. */
async function recompute(layer: Layer): Promise<{ digest: Digest; size: number; diffId: Digest }> {
  const blob = new DigestingStream();
  const tar = new DigestingStream();
  const source = await layer.compressed();
  source.on('error', (err) => blob.destroy(err));
  await pipeline(await decompress(source.pipe(blob)), tar, discard());
  return { digest: blob.digest, size: blob.size, diffId: tar.digest };
}

async function validateLayer(
  problems: string[],
  i: number,
  layer: Layer,
  d: Descriptor,
  /** Undefined when the config could not be read or lists fewer (both reported already). */
  diffIdInConfig: string | undefined,
  image: Image,
): Promise<void> {
  const at = `layer[${i}]`;
  const got = await attempt(problems, `${at} reading`, () => recompute(layer));
  const uncompressed = await attempt(problems, `${at} uncompressed()`, () =>
    digestOf(() => layer.uncompressed()),
  );
  const digest = await attempt(problems, `${at} digest()`, () => layer.digest());
  const diffId = await attempt(problems, `${at} diffId()`, () => layer.diffId());
  const size = await attempt(problems, `${at} size()`, () => layer.size());
  const mediaType = await attempt(problems, `${at} mediaType()`, () => layer.mediaType());
  const check = (ok: boolean, message: string): void => {
    if (!ok) problems.push(`${at} ${message}`);
  };
  if (got) {
    check(digest === got.digest, `digest: digest()=${digest}, sha256(compressed())=${got.digest}`);
    check(d.digest === got.digest, `digest: manifest says ${d.digest}, sha256(compressed())=${got.digest}`);
    check(size === got.size, `size: size()=${size}, len(compressed())=${got.size}`);
    check(d.size === got.size, `size: manifest says ${d.size}, len(compressed())=${got.size}`);
    check(
      diffId === got.diffId,
      `diff_id: diffId()=${diffId}, sha256(decompress(compressed()))=${got.diffId}`,
    );
    check(
      diffIdInConfig === undefined || diffIdInConfig === got.diffId,
      `diff_id: config says ${diffIdInConfig}, sha256(decompress(compressed()))=${got.diffId}`,
    );
  } else {
    check(digest === d.digest, `digest: digest()=${digest}, manifest says ${d.digest}`);
    check(
      diffIdInConfig === undefined || diffId === diffIdInConfig,
      `diff_id: diffId()=${diffId}, config says ${diffIdInConfig}`,
    );
  }
  if (uncompressed) {
    check(
      diffId === uncompressed.digest,
      `diff_id: diffId()=${diffId}, sha256(uncompressed())=${uncompressed.digest}`,
    );
  }
  check(mediaType === d.mediaType, `media type: mediaType()=${mediaType}, manifest says ${d.mediaType}`);
  for (const key of [digest, diffId]) {
    if (key) await attempt(problems, `${at} layerByDigest(${key})`, () => image.layerByDigest(key));
  }
}

/** What a manifest and an index share: their bytes vs `digest()`, the parsed accessor and `mediaType()`. */
async function validateBytes<T extends { mediaType?: string | undefined }>(
  problems: string[],
  what: 'manifest' | 'index',
  target: { rawManifest(): Promise<Buffer>; digest(): Promise<Digest>; mediaType(): Promise<string> },
  how: { accessor: [string, () => Promise<T>]; parse: [string, (raw: Buffer) => T] },
): Promise<T | undefined> {
  const raw = await attempt(problems, 'rawManifest()', () => target.rawManifest());
  if (!raw) return undefined;
  const [parseName, parse] = how.parse;
  const parsed = await attempt(problems, `parsing the ${what}`, async () => parse(raw));
  if (!parsed) return undefined;
  const digest = await attempt(problems, 'digest()', () => target.digest());
  if (digest !== sha256(raw))
    problems.push(`${what} digest: digest()=${digest}, sha256(rawManifest())=${sha256(raw)}`);
  const [accessorName, accessor] = how.accessor;
  const got = await attempt(problems, accessorName, accessor);
  if (got && sortedJson(got) !== sortedJson(parsed))
    problems.push(`${what} content: ${accessorName} differs from ${parseName}(rawManifest())`);
  const mediaType = await attempt(problems, 'mediaType()', () => target.mediaType());
  if (parsed.mediaType && mediaType !== parsed.mediaType)
    problems.push(`${what} media type: mediaType()=${mediaType}, the ${what} says ${parsed.mediaType}`);
  return parsed;
}

/**
 * Checks an image against itself: manifest bytes vs digest() and manifest(), config bytes vs the manifest and
 * configFile(), and every layer's accessors vs the manifest, the config's diff_ids and the bytes recomputed.
 * Returns every mismatch (empty when consistent); `assertValid` throws them instead.
 */
export async function validateImage(image: Image): Promise<string[]> {
  const problems: string[] = [];
  const parsed = await validateBytes(problems, 'manifest', image, {
    accessor: ['manifest()', () => image.manifest()],
    parse: ['parseManifest', parseManifest],
  });
  if (!parsed) return problems;

  const config = await validateConfig(problems, image, parsed);
  const diffIds = config?.rootfs.diff_ids ?? [];
  const layers = (await attempt(problems, 'layers()', () => image.layers())) ?? [];
  if (layers.length !== parsed.layers.length)
    problems.push(`layers: layers() has ${layers.length}, the manifest lists ${parsed.layers.length}`);
  if (config && diffIds.length !== parsed.layers.length)
    problems.push(
      `layers: the config lists ${diffIds.length} diff_ids, the manifest ${parsed.layers.length} layers`,
    );
  for (const [i, d] of parsed.layers.entries()) {
    const layer = layers[i];
    if (layer) await validateLayer(problems, i, layer, d, diffIds[i], image);
  }
  return problems;
}

async function validateConfig(
  problems: string[],
  image: Image,
  m: Manifest,
): Promise<ImageConfig | undefined> {
  const raw = await attempt(problems, 'rawConfig()', () => image.rawConfig());
  if (!raw) return undefined;
  if (sha256(raw) !== m.config.digest)
    problems.push(`config digest: the manifest says ${m.config.digest}, sha256(rawConfig())=${sha256(raw)}`);
  if (raw.length !== m.config.size)
    problems.push(`config size: the manifest says ${m.config.size}, len(rawConfig())=${raw.length}`);
  const parsed = await attempt(problems, 'parsing the config', async () => parseImageConfig(raw));
  const config = await attempt(problems, 'configFile()', () => image.configFile());
  if (parsed && config && sortedJson(config) !== sortedJson(parsed))
    problems.push('config content: configFile() differs from parseImageConfig(rawConfig())');
  return parsed;
}

/** Checks an index's bytes vs its accessors and every child (image or index) vs its descriptor, recursively. */
export async function validateIndex(index: ImageIndex): Promise<string[]> {
  const problems: string[] = [];
  const parsed = await validateBytes(problems, 'index', index, {
    accessor: ['indexManifest()', () => index.indexManifest()],
    parse: ['parseIndexManifest', parseIndexManifest],
  });
  if (!parsed) return problems;
  for (const [i, d] of parsed.manifests.entries()) {
    const at = `manifests[${i}] ${d.digest}`;
    const child = await attempt(problems, at, async () =>
      isIndex(d.mediaType) ? index.imageIndex(d) : index.image(d),
    );
    if (!child) continue;
    const childRaw = await attempt(problems, `${at} rawManifest()`, () => child.rawManifest());
    if (childRaw && sha256(childRaw) !== d.digest)
      problems.push(`${at}: sha256(rawManifest())=${sha256(childRaw)}, the index says ${d.digest}`);
    if (childRaw && childRaw.length !== d.size)
      problems.push(`${at}: len(rawManifest())=${childRaw.length}, the index says ${d.size}`);
    const childType = await attempt(problems, `${at} mediaType()`, () => child.mediaType());
    if (childType !== d.mediaType)
      problems.push(`${at}: mediaType()=${childType}, the index says ${d.mediaType}`);
    const inner = 'indexManifest' in child ? await validateIndex(child) : await validateImage(child);
    for (const p of inner) problems.push(`${at}: ${p}`);
  }
  return problems;
}

/**
 * Validates an image or index and throws INVALID_IMAGE listing every mismatch, so a test (or a caller) cannot drop
 * the result. `what` names it in the message.
 */
export async function assertValid(target: Image | ImageIndex | ImageOrIndex, what = 'image'): Promise<void> {
  const problems =
    'kind' in target
      ? target.kind === 'image'
        ? await validateImage(target.image)
        : await validateIndex(target.index)
      : 'indexManifest' in target
        ? await validateIndex(target)
        : await validateImage(target);
  if (problems.length === 0) return;
  throw new MinnowError(
    'INVALID_IMAGE',
    `${what} is not valid (${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}): ${problems.join('; ')}`,
    {
      subject: what,
      details: { problems },
    },
  );
}
