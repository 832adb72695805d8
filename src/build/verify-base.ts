import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline as callbackPipeline, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MinnowError, isMinnowError, messageOf } from '../errors.js';
import {
  countBytes,
  decompress,
  InflateMeter,
  digestAlgorithm,
  digestHex,
  DigestingStream,
  MediaType,
  tarCheck,
  type Digest,
  type Image,
  type Layer,
} from '../oci/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import { cacheLayout } from '../util/cache-layout.js';

/**
 * Every base layer minnow ships is checked once: its blob hashes to its digest, it inflates to a tar, and the tar
 * hashes to the config's diff_id. Otherwise `docker load` and every runtime refuse the image (`invalid diffID`)
 * only when a node pulls it. The verdict is kept by digest in the cache, so a warm build reads nothing.
 */

/** Where verdicts live: `<cacheDir>/verified-layers/<digest hex>` holds the diff_id the blob was found to have. */
export function verdictPath(cacheDir: string, digest: Digest): string {
  return join(cacheLayout(cacheDir).verifiedLayers, digestHex(digest));
}

/** True when an earlier run found the blob `digest` to be a tar with diff_id `diffId`. */
export async function verifiedBefore(cacheDir: string, digest: Digest, diffId: Digest): Promise<boolean> {
  const text = await readFile(verdictPath(cacheDir, digest), 'utf8').catch(() => undefined);
  return text === diffId;
}

/** Records that the blob `digest` is a tar with diff_id `diffId`. */
export async function recordVerified(cacheDir: string, digest: Digest, diffId: Digest): Promise<void> {
  await writeFileAtomic(verdictPath(cacheDir, digest), diffId);
}

export interface VerifyBaseOptions {
  /** minnow's cache directory, where verdicts are kept. */
  cacheDir: string;
  signal?: AbortSignal;
}

/**
 * Checks every layer of `base` (one read per layer not verified before, decompressing once) and fails with one
 * line naming the layer index and digest when a layer is not a tar or its content does not match its diff_id.
 */
export async function verifyBaseLayers(base: Image, options: VerifyBaseOptions): Promise<void> {
  const layers = await base.layers();
  for (const [i, layer] of layers.entries()) {
    await verifyLayer(layer, i, options);
  }
}

/** Layer media types a runtime unpacks: tar, gzip or zstd, OCI or Docker, distributable or not. */
const LAYER_TYPES: ReadonlySet<string> = new Set([
  MediaType.OciLayer,
  MediaType.OciLayerGzip,
  MediaType.OciLayerZstd,
  MediaType.OciLayerNondistributableGzip,
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  'application/vnd.docker.image.rootfs.diff.tar',
  MediaType.DockerLayerGzip,
  MediaType.DockerForeignLayerGzip,
]);

async function verifyLayer(layer: Layer, index: number, options: VerifyBaseOptions): Promise<void> {
  const mediaType = await layer.mediaType();
  if (!LAYER_TYPES.has(mediaType)) {
    throw new MinnowError(
      'UNSUPPORTED_MEDIA_TYPE',
      `base layer ${index} (${await layer.digest()}) has media type ${JSON.stringify(mediaType)}, which no runtime unpacks`,
      { subject: mediaType },
    );
  }
  const digest = await layer.digest();
  const diffId = await layer.diffId();
  if (await verifiedBefore(options.cacheDir, digest, diffId)) return;
  const what = `base layer ${index} (${digest})`;
  const tar = new DigestingStream(digestAlgorithm(diffId) === 'sha512' ? 'sha512' : 'sha256');
  try {
    const counted = { bytes: 0 };
    const blob = countBytes(counted);
    // Errors of the blob (a read or network failure) reach `blob` and so the pipeline below.
    callbackPipeline(await layer.compressed(), blob, () => undefined);
    // A bomb stops at analyze's limits instead of inflating to its end (or exhausting memory).
    await pipeline(
      await decompress(blob),
      new InflateMeter(counted, {}, what),
      tarCheck(what),
      tar,
      discard(),
      {
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
  } catch (err) {
    throw explain(err, what, options.signal);
  }
  if (tar.digest !== diffId) {
    throw new MinnowError(
      'DIGEST_MISMATCH',
      `${what}: uncompressed content hashes to ${tar.digest}, the config's diff_id is ${diffId}`,
      { subject: digest, hint: 'the base image is corrupt or was assembled wrongly; rebuild or re-pull it' },
    );
  }
  await recordVerified(options.cacheDir, digest, diffId);
}

function discard(): Writable {
  return new Writable({
    write(_chunk: Buffer, _enc, done) {
      done();
    },
  });
}

function explain(err: unknown, what: string, signal?: AbortSignal): MinnowError {
  if (signal?.aborted) return new MinnowError('ABORTED', 'cancelled', { cause: err });
  if (isMinnowError(err)) {
    if (err.message.startsWith(what)) return err;
    return new MinnowError(err.code, `${what}: ${err.message}`, {
      subject: err.subject ?? what,
      cause: err,
      ...(err.hint ? { hint: err.hint } : {}),
      ...(err.details ? { details: err.details } : {}),
    });
  }
  // zlib and zstd failures (a truncated or corrupt stream) say what went wrong, not where.
  return new MinnowError('INVALID_IMAGE', `${what}: cannot decompress: ${messageOf(err)}`, {
    subject: what,
    cause: err,
  });
}
