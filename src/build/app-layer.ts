import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { readGoBuildId } from '../go/build-id.js';
import {
  DigestingStream,
  digestHex,
  fileLayer,
  sha256,
  sourceDateEpoch,
  writeLayer,
  type Digest,
  type LayerCompression,
  type LayerEntry,
  type WrittenLayer,
} from '../oci/index.js';
import { writeFileAtomic } from '../util/atomic.js';

/** How an app layer is compressed: the media type it gets and a stream maker, with a key naming both. */
export type AppLayerCompression = LayerCompression;

export interface AppLayerOptions {
  /** Where the blob goes; the record of the last layer written there is kept beside it (`.app-layer.json`). */
  blobDir: string;
  compression: AppLayerCompression;
  /** Entry mtime in seconds. Default SOURCE_DATE_EPOCH, else 0. */
  mtime?: number;
  signal?: AbortSignal;
}

interface LayerRecord {
  key: string;
  digest: Digest;
  diffId: Digest;
  size: number;
  uncompressedSize: number;
  mediaType: string;
}

const RECORD = '.app-layer.json';

/**
 * What a file holds, cheaply: a Go binary's build ID (whose last part is Go's hash of the file's bytes, read from
 * its first page), else the sha256 of its bytes.
 */
async function contentOf(path: string): Promise<string> {
  const id = await readGoBuildId(path);
  if (id) return `go-buildid ${id}`;
  const hasher = new DigestingStream();
  hasher.resume();
  await pipeline(createReadStream(path), hasher);
  return hasher.digest;
}

/** The record key: every input of the layer's bytes (entries, their contents, mtime, compression). */
async function layerKey(entries: LayerEntry[], mtime: number, compression: string): Promise<string> {
  const parts = await Promise.all(
    entries.map(async (e) => {
      if (e.type !== 'file') return e;
      const source = Buffer.isBuffer(e.source) ? sha256(e.source) : await contentOf(e.source);
      const size = Buffer.isBuffer(e.source) ? e.source.length : (await stat(e.source)).size;
      return { ...e, source, size };
    }),
  );
  return sha256(JSON.stringify({ v: 1, mtime, compression, parts }));
}

/**
 * The app layer of `entries`, written with `writeLayer`, or, when the last layer written to `blobDir` had the
 * same entries with the same contents and compression and its blob is still there, that layer as it is: a no-op
 * rebuild reads none of the binary's bytes and compresses nothing. The reused blob is still checked against its
 * digest whenever it is read.
 */
export async function appLayer(
  entries: LayerEntry[],
  options: AppLayerOptions,
): Promise<WrittenLayer & { reused: boolean }> {
  const mtime = options.mtime ?? sourceDateEpoch();
  const key = await layerKey(entries, mtime, `${options.compression.mediaType} ${options.compression.key}`);
  const recordPath = join(options.blobDir, RECORD);
  const record = await readFile(recordPath, 'utf8')
    .then((text) => JSON.parse(text) as LayerRecord)
    .catch(() => undefined);
  if (record?.key === key) {
    const path = join(options.blobDir, digestHex(record.digest));
    const blob = await stat(path).catch(() => undefined);
    if (blob?.isFile() && blob.size === record.size) {
      const info = {
        digest: record.digest,
        diffId: record.diffId,
        size: record.size,
        mediaType: record.mediaType,
      };
      return {
        layer: fileLayer(path, info),
        path,
        ...info,
        uncompressedSize: record.uncompressedSize,
        reused: true,
      };
    }
  }
  const written = await writeLayer(entries, {
    blobDir: options.blobDir,
    mtime,
    compression: options.compression,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const fresh: LayerRecord = {
    key,
    digest: written.digest,
    diffId: written.diffId,
    size: written.size,
    uncompressedSize: written.uncompressedSize,
    mediaType: await written.layer.mediaType(),
  };
  await writeFileAtomic(recordPath, JSON.stringify(fresh));
  return { ...written, reused: false };
}
