import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileLayer, MediaType, writeLayer, type Digest, type Layer, type LayerEntry } from '../oci/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import { touch } from '../util/touch.js';
import { cacheLayout } from '../util/cache-layout.js';

export interface CachedLayerOptions {
  /** Cache root; blobs go to `<dir>/blobs/sha256`, index entries to `<dir>/layers`. */
  cacheDir: string;
  /** Entry mtime in seconds. */
  mtime: number;
  compressionLevel?: number;
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
  digest: Digest;
  diffId: Digest;
  size: number;
  uncompressedSize: number;
}

/** A key that changes whenever anything that goes into the layer's bytes changes. */
function cacheKey(entries: LayerEntry[], options: CachedLayerOptions): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ v: 1, mtime: options.mtime, level: options.compressionLevel ?? 9 }));
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
  const key = cacheKey(entries, options);
  const layout = cacheLayout(options.cacheDir);
  const recordPath = join(layout.baseLayerRecords, `${key}.json`);
  const blobDir = layout.sha256Blobs;
  const record = await readFile(recordPath, 'utf8')
    .then((t) => JSON.parse(t) as CacheRecord)
    .catch(() => undefined);
  if (record) {
    const path = join(blobDir, record.digest.slice('sha256:'.length));
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() && info.size === record.size) {
      await touch(path);
      return {
        layer: fileLayer(path, { ...record, mediaType: MediaType.OciLayerGzip }),
        uncompressedSize: record.uncompressedSize,
        hit: true,
      };
    }
  }
  const written = await writeLayer(entries, {
    blobDir,
    mtime: options.mtime,
    compressionLevel: options.compressionLevel ?? 9,
    signal: options.signal,
  });
  const fresh: CacheRecord = {
    digest: written.digest,
    diffId: written.diffId,
    size: written.size,
    uncompressedSize: written.uncompressedSize,
  };
  await writeFileAtomic(recordPath, JSON.stringify(fresh));
  return { layer: written.layer, uncompressedSize: written.uncompressedSize, hit: false };
}
