import { createWriteStream } from 'node:fs';
import { readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MinnowError, isMinnowError, messageOf } from '../errors.js';
import {
  decompress,
  DigestingStream,
  digestHex,
  fileLayer,
  isDigest,
  MediaType,
  mutate,
  parallelGzipCompression,
  peek,
  sniffCompression,
  tarHeadCheck,
  verifyingStream,
  type Digest,
  type Image,
  type Layer,
  type LayerCompression,
} from '../oci/index.js';
import { tempPathFor, writeFileAtomic } from '../util/atomic.js';
import { touch } from '../util/touch.js';
import { recordVerified } from './verify-base.js';
import { makeDirs } from '../util/make-dirs.js';
import { cacheLayout } from '../util/cache-layout.js';

/**
 * Base layers stored as plain tar (what `docker save` and the Engine hand out) become gzip layers with the same
 * content, as `docker push` does: alpine's 7.4 MB tar is 3.3 MB on the wire. Done once per diff_id: the result is
 * kept in minnow's cache.
 */

/** Media types of uncompressed layer tars. */
const PLAIN_LAYER_TYPES: ReadonlySet<string> = new Set([
  MediaType.OciLayer,
  'application/vnd.docker.image.rootfs.diff.tar',
]);

/** How plain layers are compressed unless told otherwise: gzip at zlib's default level 6, as `docker push` does. */
const DEFAULT_COMPRESSION = parallelGzipCompression({ level: 6 });

/**
 * The record variant of a compression: its media type and key (algorithm, level, chunking, the compressor's
 * version) are in the name, so a cache hit gives exactly what compressing afresh with it would.
 */
function recordVariant(compression: LayerCompression): string {
  const name = `${compression.mediaType.replace(/^.*\+/, '')} ${compression.key}`;
  return name.replace(/[^A-Za-z0-9.]+/g, '-');
}

export interface CompressBaseOptions {
  /** minnow's cache directory; the compressed blobs go under `<cacheDir>/gzip-layers`. */
  cacheDir: string;
  /** Filled with the uncompressed size of every compressed layer, by its new digest. */
  known?: Map<string, number>;
  /** Default: gzip level 6 in parallel members. */
  compression?: LayerCompression;
  signal?: AbortSignal;
}

/** A gzip layer made from a plain one, and the size of its tar. */
export interface GzippedLayer {
  layer: Layer;
  uncompressedSize: number;
}

interface CacheRecord {
  digest: Digest;
  size: number;
  uncompressedSize: number;
}

/** True when the layer's media type says it is a plain, uncompressed tar. */
export function isPlainLayerType(mediaType: string): boolean {
  return PLAIN_LAYER_TYPES.has(mediaType);
}

/**
 * `base` with every plain-tar layer replaced by a gzip layer of identical content (same diff_id, so the config is
 * unchanged); the base itself when it has none. Layers whose bytes turn out to be compressed despite their media
 * type, and gzip or zstd layers, are kept as they are.
 */
export async function compressBase(base: Image, options: CompressBaseOptions): Promise<Image> {
  const layers = await base.layers();
  const types = await Promise.all(layers.map((l) => l.mediaType()));
  if (!types.some(isPlainLayerType)) return base;
  const replaced: Layer[] = [];
  for (const [i, layer] of layers.entries()) {
    if (!isPlainLayerType(types[i] as string)) {
      replaced.push(layer);
      continue;
    }
    const gz = await gzipPlainLayer(layer, options);
    if (!gz) {
      replaced.push(layer);
      continue;
    }
    options.known?.set(await gz.layer.digest(), gz.uncompressedSize);
    replaced.push(gz.layer);
  }
  // mutate with nothing to add writes the OCI manifest for the new layers; the config stays as it was.
  return mutate({ ...base, layers: async () => replaced }, {});
}

/**
 * The gzip form of a plain-tar layer, from the cache or compressed now (streaming, deterministic: level 6, no
 * timestamp, OS byte 3). The tar is checked against the layer's diff_id (which, for a plain layer, is also its
 * digest) in the same pass. Undefined when the bytes are already compressed.
 */
export async function gzipPlainLayer(
  layer: Layer,
  options: CompressBaseOptions,
): Promise<GzippedLayer | undefined> {
  const diffId = await layer.diffId();
  const digest = await layer.digest();
  if (digest !== diffId) {
    throw new MinnowError(
      'DIGEST_MISMATCH',
      `uncompressed layer ${digest} does not match its diff_id ${diffId}`,
      { subject: digest },
    );
  }
  const layout = cacheLayout(options.cacheDir);
  const blobDir = layout.gzipLayerBlobs;
  const compression = options.compression ?? DEFAULT_COMPRESSION;
  const recordPath = join(layout.gzipLayerRecords(recordVariant(compression)), `${digestHex(diffId)}.json`);
  const cached = await fromCache(recordPath, blobDir, diffId, compression.mediaType, options.signal);
  if (cached) {
    await recordVerified(options.cacheDir, await cached.layer.digest(), diffId);
    return cached;
  }

  const src = await layer.compressed();
  let head: Buffer;
  try {
    head = await peek(src, 4);
  } catch (err) {
    src.destroy();
    throw wrap(err, digest, options.signal);
  }
  if (sniffCompression(head) !== 'none') {
    src.destroy();
    return undefined;
  }
  await makeDirs(blobDir);
  const tmp = tempPathFor(join(blobDir, 'layer'));
  const plain = new DigestingStream();
  const compressed = new DigestingStream();
  try {
    await pipeline(
      src,
      verifyingStream(diffId, await layer.size(), `layer ${diffId}`),
      tarHeadCheck(`base layer ${diffId}`),
      plain,
      compression.create(await layer.size()),
      compressed,
      createWriteStream(tmp),
      { signal: options.signal },
    );
    const record: CacheRecord = {
      digest: compressed.digest,
      size: compressed.size,
      uncompressedSize: plain.size,
    };
    await rename(tmp, join(blobDir, digestHex(record.digest)));
    await writeFileAtomic(recordPath, JSON.stringify(record));
    await recordVerified(options.cacheDir, record.digest, diffId);
    return {
      layer: compressedFileLayer(blobDir, record, diffId, compression.mediaType),
      uncompressedSize: record.uncompressedSize,
    };
  } catch (err) {
    await rm(tmp, { force: true });
    throw wrap(err, digest, options.signal);
  }
}

function compressedFileLayer(blobDir: string, record: CacheRecord, diffId: Digest, mediaType: string): Layer {
  return fileLayer(join(blobDir, digestHex(record.digest)), {
    digest: record.digest,
    diffId,
    size: record.size,
    mediaType,
  });
}

/**
 * The cached gzip layer for `diffId`, once its blob has been read back and found to hash to the recorded digest
 * and inflate to `diffId`; undefined otherwise, so a damaged cache costs a recompression, never a wrong layer.
 */
async function fromCache(
  recordPath: string,
  blobDir: string,
  diffId: Digest,
  mediaType: string,
  signal?: AbortSignal,
): Promise<GzippedLayer | undefined> {
  const record = parseRecord(await readFile(recordPath, 'utf8').catch(() => undefined));
  if (!record) return undefined;
  const path = join(blobDir, digestHex(record.digest));
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile() || info.size !== record.size) return undefined;
  const layer = compressedFileLayer(blobDir, record, diffId, mediaType);
  try {
    await pipeline(
      await decompress(await layer.compressed()),
      verifyingStream(diffId, record.uncompressedSize),
      discard(),
      { signal },
    );
  } catch (err) {
    if (signal?.aborted) throw wrap(err, diffId, signal);
    return undefined;
  }
  await touch(path);
  return { layer, uncompressedSize: record.uncompressedSize };
}

function parseRecord(text: string | undefined): CacheRecord | undefined {
  if (text === undefined) return undefined;
  try {
    const r = JSON.parse(text) as Partial<CacheRecord>;
    if (isDigest(r.digest) && Number.isSafeInteger(r.size) && Number.isSafeInteger(r.uncompressedSize)) {
      return r as CacheRecord;
    }
  } catch {
    /* a damaged record is a miss */
  }
  return undefined;
}

function discard(): Writable {
  return new Writable({
    write(_chunk: Buffer, _enc, done) {
      done();
    },
  });
}

function wrap(err: unknown, subject: string, signal?: AbortSignal): MinnowError {
  if (isMinnowError(err)) return err;
  if (signal?.aborted)
    return new MinnowError('ABORTED', 'compressing a base layer was aborted', { cause: err });
  return new MinnowError('INTERNAL', `compressing base layer ${subject}: ${messageOf(err)}`, {
    subject,
    cause: err,
  });
}
