import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, rename, rm, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { MinnowError } from '../errors.js';
import { tempPathFor } from '../util/atomic.js';
import { DigestingStream, digestHex, type Digest } from './digest.js';
import { CAPABILITY_PAX_KEY, encodeFileCapabilities, paxRecord } from './file-capabilities.js';
import { fileLayer } from './file-layer.js';
import { PAX_MARKER, paxHeaderFixer } from './pax-headers.js';
import { gzipCompression } from './gzip-compression.js';
import type { LayerCompression } from './layer-compression.js';
import type { Layer } from './layer.js';
import { makeDirs } from '../util/make-dirs.js';

/** One entry of a layer. Paths are absolute in the image (`/app/hello`). */
export type LayerEntry =
  | {
      type: 'file';
      path: string;
      /** Host file to copy, or the bytes themselves. */
      source: string | Buffer;
      /** Default 0o444 (read-only data); use 0o555 for executables. */
      mode?: number;
      uid?: number;
      gid?: number;
      /**
       * File capabilities (`net_bind_service`, ...), written as the `security.capability` xattr in a PAX record
       * (see file-capabilities.ts), so a non-root process started from this file holds them. Default none.
       */
      capabilities?: readonly string[];
    }
  | { type: 'directory'; path: string; /** Default 0o555. */ mode?: number; uid?: number; gid?: number }
  | { type: 'symlink'; path: string; target: string; uid?: number; gid?: number };

export interface WriteLayerOptions {
  /** Directory the blob lands in, named by its digest's hex (an OCI layout's blobs/sha256 works). */
  blobDir: string;
  /** Modification time of every entry, in seconds. Default: `SOURCE_DATE_EPOCH`, else 0. */
  mtime?: number;
  /** How the tar is compressed, and so the layer's media type. Default `gzipCompression(9)`. */
  compression?: LayerCompression;
  signal?: AbortSignal;
}

export interface WrittenLayer {
  layer: Layer;
  /** Path of the compressed blob. */
  path: string;
  digest: Digest;
  diffId: Digest;
  /** Compressed size. */
  size: number;
  /** Size of the uncompressed tar. */
  uncompressedSize: number;
}

/** `SOURCE_DATE_EPOCH` in seconds when set and valid, else 0. */
export function sourceDateEpoch(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return 0;
  if (!/^\d+$/.test(raw)) {
    throw new MinnowError('INVALID_ARGUMENT', `SOURCE_DATE_EPOCH must be whole seconds, got "${raw}"`);
  }
  return Number(raw);
}

/** Normalizes an image path to its tar name (no leading slash); refuses `..` and empty names. */
export function tarName(path: string): string {
  const norm = posix.normalize(`/${path}`).replace(/^\/+/, '').replace(/\/+$/, '');
  if (norm === '' || norm === '.' || path.split('/').includes('..') || path.includes('\0')) {
    throw new MinnowError('UNSAFE_PATH', `invalid path in layer: "${path}"`, { subject: path });
  }
  return norm;
}

interface Normalized {
  name: string;
  entry: LayerEntry;
}

/** Sorts entries and adds every missing parent directory (root-owned, 0555), so the tar is the same every time. */
function normalizeEntries(entries: LayerEntry[]): Normalized[] {
  const byName = new Map<string, LayerEntry>();
  for (const entry of entries) {
    const name = tarName(entry.path);
    if (byName.has(name))
      throw new MinnowError('INVALID_ARGUMENT', `duplicate path in layer: /${name}`, { subject: name });
    byName.set(name, entry);
  }
  for (const name of [...byName.keys()]) {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const existing = byName.get(parent);
      if (existing && existing.type !== 'directory') {
        throw new MinnowError('INVALID_ARGUMENT', `/${parent} is both a directory and a ${existing.type}`);
      }
      if (!existing) byName.set(parent, { type: 'directory', path: `/${parent}` });
    }
  }
  return [...byName.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, entry]) => ({ name, entry }));
}

function header(n: Normalized, mtime: Date, size: number): tar.Header {
  const e = n.entry;
  const common = {
    mtime,
    uid: e.uid ?? 0,
    gid: e.gid ?? 0,
    uname: '',
    gname: '',
    size: 0,
    linkname: '',
    devmajor: 0,
    devminor: 0,
  };
  switch (e.type) {
    case 'directory':
      return { ...common, name: `${n.name}/`, type: 'directory', mode: e.mode ?? 0o555 };
    case 'symlink':
      return { ...common, name: n.name, type: 'symlink', linkname: e.target, mode: 0o777 };
    case 'file':
      return { ...common, name: n.name, type: 'file', mode: e.mode ?? 0o444, size };
  }
}

/**
 * The PAX extended header before a file with capabilities, written as a file entry under PAX_MARKER that
 * `paxHeaderFixer` retypes: tar-stream encodes PAX values as UTF-8 text, and the capability value is binary.
 */
async function addCapabilityHeader(pack: tar.Pack, n: Normalized, mtime: Date): Promise<void> {
  const e = n.entry;
  if (e.type !== 'file' || !e.capabilities?.length) return;
  const records = paxRecord(CAPABILITY_PAX_KEY, encodeFileCapabilities(e.capabilities));
  const paxHeader: tar.Header = {
    ...header(n, mtime, records.length),
    name: `${PAX_MARKER}${n.name.slice(-(99 - PAX_MARKER.length))}`,
    mode: 0o644,
  };
  await new Promise<void>((resolve, reject) =>
    pack.entry(paxHeader, records, (err) => (err ? reject(err) : resolve())),
  );
}

/**
 * The size of every file entry, each source file checked once before anything is written: a missing source or
 * one that is not a regular file fails here, in one line. The sum is what the compressor has coming.
 */
async function fileSizes(normalized: Normalized[]): Promise<Map<Normalized, number>> {
  const sizes = new Map<Normalized, number>();
  for (const n of normalized) {
    const e = n.entry;
    if (e.type !== 'file') continue;
    if (Buffer.isBuffer(e.source)) {
      sizes.set(n, e.source.length);
      continue;
    }
    const source = e.source;
    const info = await stat(source).catch((err: unknown) => {
      throw new MinnowError('NOT_FOUND', `cannot read ${source} for /${n.name}`, {
        subject: source,
        cause: err,
      });
    });
    if (!info.isFile())
      throw new MinnowError('INVALID_ARGUMENT', `${source} is not a regular file`, { subject: source });
    sizes.set(n, info.size);
  }
  return sizes;
}

async function addEntry(pack: tar.Pack, n: Normalized, mtime: Date, size: number): Promise<void> {
  const e = n.entry;
  await addCapabilityHeader(pack, n, mtime);
  if (e.type !== 'file') {
    await new Promise<void>((resolve, reject) =>
      pack.entry(header(n, mtime, 0), (err) => (err ? reject(err) : resolve())),
    );
    return;
  }
  if (Buffer.isBuffer(e.source)) {
    const data = e.source;
    await new Promise<void>((resolve, reject) =>
      pack.entry(header(n, mtime, data.length), data, (err) => (err ? reject(err) : resolve())),
    );
    return;
  }
  const sink = pack.entry(header(n, mtime, size));
  // tar-stream fails the entry itself if the file changes size while it is copied.
  await pipeline(createReadStream(e.source, { highWaterMark: 1 << 20 }), sink);
}

/**
 * Writes a deterministic layer: sorted entries with explicit parents, fixed modes and owners, one mtime, no user
 * or group names, compressed by `options.compression` (deterministic too). The compressed digest and the
 * uncompressed diff_id are computed in the same single pass that writes the blob.
 */
export async function writeLayer(entries: LayerEntry[], options: WriteLayerOptions): Promise<WrittenLayer> {
  const mtime = new Date((options.mtime ?? sourceDateEpoch()) * 1000);
  const normalized = normalizeEntries(entries);
  const sizes = await fileSizes(normalized);
  await makeDirs(options.blobDir);
  const tmp = tempPathFor(join(options.blobDir, 'layer'));
  const pack = tar.pack();
  const uncompressed = new DigestingStream();
  const compressed = new DigestingStream();
  const compression = options.compression ?? gzipCompression();
  const withCapabilities = normalized.some((n) => n.entry.type === 'file' && n.entry.capabilities?.length);
  const sink = createWriteStream(tmp);
  const stages = [
    uncompressed,
    compression.create([...sizes.values()].reduce((a, b) => a + b, 0)),
    compressed,
    sink,
  ] as const;
  const written = withCapabilities
    ? pipeline(pack, paxHeaderFixer(), ...stages, { signal: options.signal })
    : pipeline(pack, ...stages, { signal: options.signal });
  try {
    const feeding = (async () => {
      for (const n of normalized) await addEntry(pack, n, mtime, sizes.get(n) ?? 0);
      pack.finalize();
    })();
    feeding.catch((err: unknown) => pack.destroy(err as Error));
    await Promise.all([feeding, written]);
    const digest = compressed.digest;
    const path = join(options.blobDir, digestHex(digest));
    const existing = await lstat(path).catch(() => undefined);
    if (existing?.isFile() && existing.size === compressed.size) await rm(tmp, { force: true });
    else await rename(tmp, path);
    const info = {
      digest,
      diffId: uncompressed.digest,
      size: compressed.size,
      mediaType: compression.mediaType,
    };
    return { layer: fileLayer(path, info), path, ...info, uncompressedSize: uncompressed.size };
  } catch (err) {
    await rm(tmp, { force: true });
    if (err instanceof MinnowError) throw err;
    throw new MinnowError(
      options.signal?.aborted ? 'ABORTED' : 'INTERNAL',
      `writing layer: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}
