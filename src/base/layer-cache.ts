import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  fileLayer,
  gzipCompression,
  writeLayer,
  type Digest,
  type Layer,
  type LayerCompression,
  type LayerEntry,
} from '../oci/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import { touch } from '../util/touch.js';
import { cacheLayout } from '../util/cache-layout.js';

export interface CachedLayerOptions {
  /** Cache root; blobs go to `<dir>/blobs/sha256`, index entries to `<dir>/layers`. */
  cacheDir: string;
  /** Entry mtime in seconds. */
  mtime: number;
  /** Default `gzipCompression(9)`: base layers are written once and pulled many times. */
  compression?: LayerCompression;
  signal?: AbortSignal;
}

export interface CachedLayer {
  layer: Layer;
  /** Size of the uncompressed tar. */
  uncompressedSize: number;
  /** True when the layer came from the cache without being written. */
  hit: boolean;
}

interface CacheRecord {
  mediaType: string;
  digest: Digest;
  diffId: Digest;
  size: number;
  uncompressedSize: number;
}

/** A key that changes whenever anything that goes into the layer's bytes changes. */
function cacheKey(entries: LayerEntry[], compression: LayerCompression, mtime: number): string {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({ v: 2, mtime, mediaType: compression.mediaType, compression: compression.key }),
  );
  for (const e of entries) {
    const { source, ...rest } = e as LayerEntry & { source?: Buffer | string };
    hash.update(JSON.stringify(rest));
    if (Buffer.isBuffer(source)) hash.update(createHash('sha256').update(source).digest());
    else if (source !== undefined) throw new Error('cachedLayer takes file contents, not paths');
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * A layer from in-memory entries, written once and then served from a content-addressed cache: the second
 * build with the same base files writes nothing. A cache entry whose blob is gone is simply rewritten.
 */
export async function cachedLayer(entries: LayerEntry[], options: CachedLayerOptions): Promise<CachedLayer> {
  const compression = options.compression ?? gzipCompression();
  const key = cacheKey(entries, compression, options.mtime);
  const layout = cacheLayout(options.cacheDir);
  const recordPath = join(layout.baseLayerRecords, `${key}.json`);
  const blobDir = layout.sha256Blobs;
  const record = await readFile(recordPath, 'utf8')
    .then((t) => JSON.parse(t) as CacheRecord)
    .catch(() => undefined);
  if (record?.mediaType === compression.mediaType) {
    const path = join(blobDir, record.digest.slice('sha256:'.length));
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() && info.size === record.size) {
      await touch(path);
      return {
        layer: fileLayer(path, record),
        uncompressedSize: record.uncompressedSize,
        hit: true,
      };
    }
  }
  const written = await writeLayer(entries, {
    blobDir,
    mtime: options.mtime,
    compression,
    signal: options.signal,
  });
  const fresh: CacheRecord = {
    mediaType: compression.mediaType,
    digest: written.digest,
    diffId: written.diffId,
    size: written.size,
    uncompressedSize: written.uncompressedSize,
  };
  await writeFileAtomic(recordPath, JSON.stringify(fresh));
  return { layer: written.layer, uncompressedSize: written.uncompressedSize, hit: false };
}
