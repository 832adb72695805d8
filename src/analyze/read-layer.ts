import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, Gunzip } from 'node:zlib';
import { MinnowError, messageOf } from '../errors.js';
import {
  countBytes,
  createZstdDecompress,
  InflateMeter,
  INFLATE_CHUNK,
  peek,
  sniffCompression,
  TarWalker,
  tarWalkerSink,
  type Compression,
  type Layer,
  type LayerLimits,
  type TarEntry,
  type TarEntrySink,
} from '../oci/index.js';
import { DigestingStream } from '../oci/digest.js';
import { CAPABILITY_PAX_KEY, decodeFileCapabilities } from '../oci/file-capabilities.js';
import { BinaryAttributor, fileContentSink, type ContentWanted } from './file-content.js';
import { openLayerBlob, readRegionHead, walkRegion } from './layer-blob.js';
import { entryPath, symlinkEscapes, type MergedFilesystem } from './filesystem.js';
import { DEBIAN_COPYRIGHT } from './packages/debian-copyright.js';
import type { FileInfo, LayerSummary } from './types.js';

/** What readLayer may be asked beyond its limits. */
export interface LayerReadOptions extends LayerLimits {
  /**
   * For a layer stored uncompressed (as `docker save` and the Engine keep them), estimate what a push would gzip
   * it to (level 6, from one 256 KiB block in four) and report that as `compressedSize`, with
   * `compressedEstimated`. About a quarter of a full gzip's CPU; off by default. Compressed layers always report
   * their exact blob size.
   */
  estimateCompressed?: boolean;
  /**
   * Attribute each Go binary's bytes to kinds, modules and packages as it streams (`FileInfo.attribution`): the
   * one binary's bytes are held until its end. Off by default (the SBOM needs none).
   */
  attribute?: boolean;
  /**
   * Where to leave the checks that finish after the walk (the blob's digest when the worker hashes it, the Go
   * binaries' attributions) instead of waiting for them: the caller awaits them all before it uses the result,
   * and the next layer's walk overlaps them.
   */
  deferred?: Promise<void>[];
}

/** Files whose content the rules read; kept only when small. */
const CAPTURE_LIMIT = 16 * 1024 * 1024;
/** A Debian copyright file is read for its license names only; the rare huge one is skipped, not buffered. */
const COPYRIGHT_LIMIT = 1024 * 1024;

function captureLimit(path: string): number {
  if (DEBIAN_COPYRIGHT.test(path)) return COPYRIGHT_LIMIT;
  return isCapturedPath(path) ? CAPTURE_LIMIT : -1;
}

export function isCapturedPath(path: string): boolean {
  return (
    DEBIAN_COPYRIGHT.test(path) ||
    path === '/etc/passwd' ||
    path === '/etc/shadow' ||
    path === '/etc/group' ||
    path === '/etc/os-release' ||
    path === '/usr/lib/os-release' ||
    path === '/lib/apk/db/installed' ||
    path === '/var/lib/dpkg/status' ||
    (path.startsWith('/var/lib/dpkg/status.d/') && !path.endsWith('.md5sums'))
  );
}

/** Content the rules need, by path, from the layer that last wrote it. */
export type CapturedFiles = Map<string, { layer: number; data: Buffer }>;

/** What reading one layer measured: the sizes and counts of its `LayerSummary`. */
export type LayerReadResult = Pick<
  LayerSummary,
  | 'compression'
  | 'compressedSize'
  | 'compressedEstimated'
  | 'uncompressedSize'
  | 'contentSize'
  | 'entries'
  | 'whiteouts'
>;

function entryType(t: TarEntry['type']): FileInfo['type'] {
  switch (t) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    default:
      return 'other';
  }
}

/**
 * The capabilities a file's `security.capability` grants, by name (`net_bind_service`), or undefined when it has
 * none. `raw` is the value's bytes as the tar holds them; a value that is not VFS capability data is
 * `unreadable`, still a finding.
 */
function capabilitiesOf(raw: Buffer | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const decoded = decodeFileCapabilities(raw);
  if (!decoded) return ['unreadable'];
  const names = [...new Set([...decoded.permitted, ...decoded.inheritable])];
  return names.length ? names : ['none'];
}

/**
 * Streams one layer into the merged filesystem: verifies the blob digest and the diff_id in the same pass (one
 * hash when they are the same bytes), inflates whatever the compression (told by magic bytes), walks the tar once
 * (strictly: src/oci/tar-walker.ts), checks every entry name, and looks inside files only as far as the rules
 * need (ELF headers and Go build info, small system databases, private-key markers), attributing Go binaries'
 * bytes when `attribute` is set.
 */
export async function readLayer(
  layer: Layer,
  index: number,
  fs: MergedFilesystem,
  captured: CapturedFiles,
  limits: LayerReadOptions = {},
): Promise<LayerReadResult> {
  const digest = await layer.digest();
  const diffId = await layer.diffId();
  const what = `layer ${index} (${digest})`;
  const counted = { bytes: 0 };
  const blob = await openLayerBlob(layer, what);
  let source: Readable | undefined;
  const compression = sniffCompression(
    blob.inPlace ? await readRegionHead(blob.inPlace, 4) : await peek((source = await blob.open()), 4),
  );
  const counter = countBytes(counted);
  const inflater =
    compression === 'gzip'
      ? createGunzip({ chunkSize: INFLATE_CHUNK })
      : compression === 'zstd'
        ? createZstdDecompress()
        : undefined;
  // The ratio is taken over the compressed bytes gunzip has consumed, not those read ahead of it (1 MiB reads
  // would let a small bomb inflate 250 MiB before it is stopped).
  const consumed =
    inflater instanceof Gunzip
      ? {
          get bytes(): number {
            return inflater.bytesWritten;
          },
        }
      : counted;
  const meter = new InflateMeter(consumed, limits, what);
  // Stored uncompressed, the blob is the tar: the blob's check already fails unless its bytes hash to the digest,
  // so when digest and diff_id agree that one hash checks both (a 225 MB layer costs 0.3 s per sha256 pass).
  const tarDigest =
    compression === 'none' && digest === diffId
      ? undefined
      : new DigestingStream(diffId.startsWith('sha512:') ? 'sha512' : 'sha256');
  const result: LayerReadResult = {
    compression,
    compressedSize: 0,
    uncompressedSize: 0,
    contentSize: 0,
    entries: 0,
    whiteouts: 0,
  };

  const hold = limits.attribute ? new BinaryAttributor() : undefined;
  // A tar stored as is in a local file: each entry's data lies at a known offset there.
  const tarFile = compression === 'none' ? blob.inPlace : undefined;
  const onEntry = (entry: TarEntry): TarEntrySink | undefined => {
    const path = entryPath(entry.name);
    const type = entryType(entry.type);
    const info: FileInfo = {
      path,
      type,
      size: type === 'file' ? entry.size : 0,
      mode: entry.mode,
      uid: entry.uid,
      gid: entry.gid,
      layer: index,
    };
    if (type === 'symlink' || type === 'hardlink') {
      const link = entry.linkname ?? '';
      if (type === 'hardlink') info.linkname = entryPath(link);
      else {
        if (symlinkEscapes(path, link)) {
          throw new MinnowError('UNSAFE_PATH', `symlink ${path} -> ${link} points outside the image root`, {
            subject: path,
          });
        }
        info.linkname = link;
      }
    }
    const capabilities = capabilitiesOf(entry.pax?.get(CAPABILITY_PAX_KEY));
    if (capabilities) info.capabilities = capabilities;
    if (info.type === 'hardlink' && info.linkname) {
      // As containerd and Docker apply it: a hard link needs an existing, non-directory target.
      const target = fs.get(info.linkname);
      if (!target || target.type === 'directory') {
        throw new MinnowError(
          'INVALID_IMAGE',
          `${what}: hard link ${path} -> ${info.linkname}: the target ${target ? 'is a directory' : 'does not exist'}`,
          { subject: path },
        );
      }
      if (target.type === 'file') {
        info.size = target.size;
        if (target.elf) info.elf = target.elf;
        if (target.go) info.go = target.go;
      }
    }
    result.entries++;
    if (!fs.apply(info)) result.whiteouts++;
    // The Engine sizes a layer as the lstat size of everything but directories: a symlink counts its target's length.
    if (info.type === 'symlink') result.contentSize += Buffer.byteLength(info.linkname ?? '');
    if (info.type !== 'file' || info.size === 0) return undefined;
    result.contentSize += info.size;
    const wanted: ContentWanted = {};
    if (info.size <= captureLimit(info.path))
      wanted.capture = (data: Buffer) => captured.set(info.path, { layer: index, data });
    if (hold) wanted.attribute = hold;
    if (tarFile)
      wanted.at = { path: tarFile.path, start: tarFile.start + entry.offset + 512, size: info.size };
    return fileContentSink(info, wanted);
  };

  const estimate =
    compression === 'none' && limits.estimateCompressed ? gzipSizer(await layer.size()) : undefined;
  // A plain tar in a local file with nothing else to feed is walked from the file through one reused buffer.
  const walkInPlace =
    blob.inPlace && compression === 'none' && !tarDigest && !estimate ? blob.inPlace : undefined;
  const walker = new TarWalker(what, onEntry);
  try {
    if (walkInPlace) {
      await walkRegion(walkInPlace, walker, (n) => {
        counted.bytes += n;
        meter.count(n);
      });
    } else {
      await pipeline([
        source ?? (await blob.open()),
        counter,
        ...(inflater ? [inflater] : []),
        meter,
        ...(tarDigest ? [tarDigest] : []),
        ...(estimate ? [estimate.tap] : []),
        tarWalkerSink(walker),
      ]);
    }
  } catch (err) {
    // Bytes that are not the blob's explain any failure reading them: that is the error to report.
    await blob.verify().catch((mismatch: unknown) => {
      if (mismatch instanceof MinnowError && mismatch.code === 'DIGEST_MISMATCH') throw mismatch;
    });
    throw layerError(err, what, compression);
  }
  const bytesRead = counted.bytes;
  const checked = (async () => {
    await hold?.settled().catch((err: unknown) => {
      throw layerError(err, what, compression);
    });
    await blob.verify(bytesRead);
  })();
  if (limits.deferred) {
    checked.catch(() => undefined);
    limits.deferred.push(checked);
  } else await checked;
  if (tarDigest && tarDigest.digest !== diffId) {
    throw new MinnowError(
      'DIGEST_MISMATCH',
      `${what}: uncompressed content hashes to ${tarDigest.digest}, the config's diff_id is ${diffId}`,
      {
        subject: digest,
      },
    );
  }
  result.compressedSize = counted.bytes;
  result.uncompressedSize = meter.bytes;
  if (estimate) {
    result.compressedSize = await estimate.size;
    result.compressedEstimated = true;
  }
  return result;
}

/** Bytes per sampled block of the pushed-size estimate. */
const SAMPLE_BLOCK = 256 * 1024;
/** Most sampled bytes queued for zlib before the layer's stream waits for it. */
const SAMPLE_LAG = 4 * 1024 * 1024;
/** About this many bytes of a large layer are gzipped for the estimate (one block in four of a layer up to 64 MiB). */
const SAMPLE_BUDGET = 16 * 1024 * 1024;

/**
 * A pass-through that estimates what gzip (level 6, as a push compresses) makes of what flows by, cheaply: it
 * gzips all of the first 2 MiB, then one 256 KiB block in every `every` (4, or more so that about 16 MiB of a
 * large layer is gzipped), and scales by the share sampled. Blocks far larger than deflate's 32 KiB window keep
 * the ratio within a few percent of a full gzip: 2 % on a 225 MB Go toolchain layer, for a fourteenth of the CPU.
 */
function gzipSizer(layerBytes: number): { tap: Transform; size: Promise<number> } {
  const every = Math.max(4, Math.ceil(layerBytes / SAMPLE_BUDGET));
  const gzip = createGzip({ level: 6 });
  let bytes = 0;
  let seen = 0;
  let sampled = 0;
  gzip.on('data', (c: Buffer) => {
    bytes += c.length;
  });
  const size = new Promise<number>((resolve, reject) => {
    gzip.once('end', () => resolve(sampled === 0 ? bytes : Math.round((bytes * seen) / sampled)));
    gzip.once('error', reject);
  });
  size.catch(() => undefined);
  const tap = new Transform({
    transform(chunk: Buffer, _e, done) {
      const parts: Buffer[] = [];
      for (let at = 0; at < chunk.length;) {
        const pos = seen + at;
        const block = Math.floor(pos / SAMPLE_BLOCK);
        const end = Math.min(chunk.length, (block + 1) * SAMPLE_BLOCK - seen);
        if (block % every === 0 || pos < 2 * 1024 * 1024) parts.push(chunk.subarray(at, end));
        at = end;
      }
      seen += chunk.length;
      const take = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      if (take.length === 0) {
        done(null, chunk);
        return;
      }
      sampled += take.length;
      // zlib compresses on the thread pool, alongside the walk; waiting only once it lags SAMPLE_LAG behind keeps
      // memory bounded whatever the layer size.
      if (gzip.write(take) || gzip.writableLength < SAMPLE_LAG) done(null, chunk);
      else gzip.once('drain', () => done(null, chunk));
    },
    flush(done) {
      gzip.end();
      done();
    },
  });
  return { tap, size };
}

function layerError(err: unknown, what: string, compression: Compression): MinnowError {
  if (err instanceof MinnowError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new MinnowError(
      'INVALID_IMAGE',
      `${what}: corrupt or truncated ${compression} data (${messageOf(err)})`,
      {
        cause: err,
      },
    );
  }
  return new MinnowError(
    'INVALID_IMAGE',
    `${what}: ${compression === 'none' ? '' : `${compression} `}tar stream is malformed or truncated (${messageOf(err)})`,
    {
      cause: err,
    },
  );
}
