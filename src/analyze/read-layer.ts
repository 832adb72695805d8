import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { MinnowError, messageOf } from '../errors.js';
import { BuildInfoScanner } from '../go/buildinfo-scanner.js';
import {
  countBytes,
  createZstdDecompress,
  InflateMeter,
  INFLATE_CHUNK,
  peek,
  sniffCompression,
  type Compression,
  type Layer,
  tarCheck,
  type LayerLimits,
} from '../oci/index.js';
import { DigestingStream } from '../oci/digest.js';
import { CAPABILITY_PAX_KEY, decodeFileCapabilities } from '../oci/file-capabilities.js';
import { paxValueTap } from '../oci/pax-headers.js';
import { createGunzip, createGzip } from 'node:zlib';
import { PassThrough } from 'node:stream';
import { entryPath, symlinkEscapes, type MergedFilesystem } from './filesystem.js';
import { DEBIAN_COPYRIGHT } from './packages/debian-copyright.js';
import { scanForSecrets, SECRET_SCAN_BYTES, secretKind } from './secrets.js';
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

/** Counts bytes and enforces the size and ratio limits on the inflated stream. */
function entryType(t: tar.Header['type']): FileInfo['type'] {
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
 * none. `raw` is the value's bytes as the tar holds them (tar-stream hands PAX values over as UTF-8 text, which
 * changes bytes of 0x80 and above); a value that is not VFS capability data is `unreadable`, still a finding.
 */
function capabilitiesOf(pax: unknown, raw: Buffer | undefined): string[] | undefined {
  if (typeof pax !== 'object' || pax === null || !(CAPABILITY_PAX_KEY in pax)) return undefined;
  const text = String((pax as Record<string, unknown>)[CAPABILITY_PAX_KEY]);
  const decoded = decodeFileCapabilities(raw ?? Buffer.from(text, 'utf8'));
  if (!decoded) return ['unreadable'];
  const names = [...new Set([...decoded.permitted, ...decoded.inheritable])];
  return names.length ? names : ['none'];
}

/**
 * Streams one layer into the merged filesystem: verifies the blob digest and the diff_id in the same pass,
 * inflates whatever the compression (told by magic bytes), checks every entry name, and looks inside files only
 * as far as the rules need (ELF headers and Go build info, small system databases, private-key markers).
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
  const source = await layer.compressed();
  const counter = countBytes(counted);
  const compression = sniffCompression(await peek(source, 4));
  const inflater =
    compression === 'gzip'
      ? createGunzip({ chunkSize: INFLATE_CHUNK })
      : compression === 'zstd'
        ? createZstdDecompress()
        : new PassThrough();
  const meter = new InflateMeter(counted, limits, what);
  // Stored uncompressed, the blob is the tar: `compressed()` already fails unless its bytes hash to the digest, so
  // when digest and diff_id agree that one hash checks both (a 225 MB layer costs 0.3 s per sha256 pass).
  const tarDigest =
    compression === 'none' && digest === diffId
      ? undefined
      : new DigestingStream(diffId.startsWith('sha512:') ? 'sha512' : 'sha256');
  const extract = tar.extract();
  // The raw bytes of security.capability values, which tar-stream would decode as UTF-8.
  const capabilityValues = paxValueTap(CAPABILITY_PAX_KEY);
  const result: LayerReadResult = {
    compression,
    compressedSize: 0,
    uncompressedSize: 0,
    contentSize: 0,
    entries: 0,
    whiteouts: 0,
  };

  extract.on('entry', (header, stream, next) => {
    // A failure elsewhere in the pipeline destroys the current entry too; the pipeline reports it once.
    stream.on('error', () => undefined);
    let info: FileInfo;
    try {
      const path = entryPath(header.name);
      const type = entryType(header.type);
      info = {
        path,
        type,
        size: type === 'file' ? (header.size ?? 0) : 0,
        mode: header.mode ?? 0,
        uid: header.uid ?? 0,
        gid: header.gid ?? 0,
        layer: index,
      };
      if (type === 'symlink' || type === 'hardlink') {
        const link = header.linkname ?? '';
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
      const capabilities = capabilitiesOf(header.pax, capabilityValues.take(header.name));
      if (capabilities) info.capabilities = capabilities;
      if (!Number.isSafeInteger(header.size ?? 0) || (header.size ?? 0) < 0) {
        throw new MinnowError(
          'INVALID_IMAGE',
          `${what}: entry ${path} has an invalid size (${header.size})`,
          {
            subject: path,
          },
        );
      }
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
      // Inside the try: the entry limit's error must reach the pipeline, not escape the event handler.
      result.entries++;
      if (!fs.apply(info)) result.whiteouts++;
    } catch (err) {
      stream.resume();
      next(err as Error);
      return;
    }
    // The Engine sizes a layer as the lstat size of everything but directories: a symlink counts its target's length.
    if (info.type === 'symlink') result.contentSize += Buffer.byteLength(info.linkname ?? '');
    if (info.type !== 'file' || info.size === 0) {
      stream.on('end', () => next());
      stream.resume();
      return;
    }
    result.contentSize += info.size;
    const capture = info.size <= captureLimit(info.path) ? ([] as Buffer[]) : undefined;
    let scanner: BuildInfoScanner | undefined;
    let first = true;
    // Text files outside package-owned trees: their start is searched for credentials (kind kept, value not).
    let secretBytes = scanForSecrets(info.path, info.size) ? SECRET_SCAN_BYTES : 0;
    stream.on('data', (data: unknown) => {
      const chunk = data as Buffer;
      if (first) {
        first = false;
        if (
          info.size >= 64 &&
          chunk[0] === 0x7f &&
          chunk[1] === 0x45 &&
          chunk[2] === 0x4c &&
          chunk[3] === 0x46
        ) {
          scanner = new BuildInfoScanner();
          secretBytes = 0;
        }
      }
      if (secretBytes > 0 && !info.secretContent) {
        const part = chunk.subarray(0, secretBytes);
        secretBytes -= part.length;
        const kind = secretKind(part.toString('latin1'));
        if (kind) info.secretContent = kind;
      }
      if (scanner) scanner.push(chunk);
      if (capture) capture.push(chunk);
    });
    stream.on('end', () => {
      if (capture) captured.set(info.path, { layer: index, data: Buffer.concat(capture) });
      if (!scanner) {
        next();
        return;
      }
      const s = scanner;
      s.result().then(
        (go) => {
          if (s.elf) info.elf = { arch: s.arch ?? 'unknown', dynamic: s.dynamic };
          if (go) info.go = go;
          next();
        },
        (err: unknown) => next(err as Error),
      );
    });
  });

  const estimate =
    compression === 'none' && limits.estimateCompressed ? gzipSizer(await layer.size()) : undefined;
  // tarCheck reads headers strictly (negative sizes, lying PAX lengths), which tar-stream lets through.
  const stages = [
    source,
    counter,
    inflater,
    meter,
    ...(tarDigest ? [tarDigest] : []),
    ...(estimate ? [estimate.tap] : []),
    tarCheck(what),
    capabilityValues.stream,
    extract,
  ];
  // pipeline reports the first error; streamx (tar-stream) may emit it again while being torn down.
  for (const s of stages) s.on('error', () => undefined);
  try {
    await pipeline(stages);
  } catch (err) {
    throw layerError(err, what, compression);
  }
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
      // Waiting for zlib to take the sample keeps memory bounded whatever the layer size.
      gzip.write(take, () => done(null, chunk));
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
