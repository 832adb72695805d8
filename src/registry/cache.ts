import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { MinnowError } from '../errors.js';
import {
  isDigest,
  layoutBlobPath,
  sha256,
  verifyingStream,
  type Descriptor,
  type Digest,
} from '../oci/index.js';
import { tempPathFor, writeFileAtomic } from '../util/atomic.js';
import { cacheLayout, minnowCacheDir } from '../util/cache-layout.js';
import { touch } from '../util/touch.js';
import { makeDirs } from '../util/make-dirs.js';

/** Encodes a tag reference into a safe relative path (`registry/repo/tag`, with `:` of ports kept out). */
function refPath(registry: string, repository: string, tag: string): string {
  return join(encodeURIComponent(registry), ...repository.split('/'), `${encodeURIComponent(tag)}.digest`);
}

/**
 * A content-addressed cache of blobs and manifests (`blobs/sha256/<hex>`, as in an OCI layout) plus the tag →
 * digest answers last seen (`refs/`), so `--offline` can resolve tags. Every write is temp + rename; every read is
 * verified against its digest, and a corrupt entry is deleted rather than served.
 */
export class BlobCache {
  readonly dir: string;
  private readonly refsDir: string;

  constructor(dir: string = minnowCacheDir()) {
    this.dir = dir;
    this.refsDir = cacheLayout(dir).refs;
  }

  blobPath(digest: Digest): string {
    return layoutBlobPath(cacheLayout(this.dir).blobStore, digest);
  }

  /** True when a blob of the descriptor's size is cached (content is verified when read). */
  async has(d: Pick<Descriptor, 'digest' | 'size'>): Promise<boolean> {
    const st = await stat(this.blobPath(d.digest)).catch(() => undefined);
    return !!st?.isFile() && (d.size < 0 || st.size === d.size);
  }

  /** A small cached blob (a manifest or config), verified; undefined when absent or corrupt (then removed). */
  async readSmall(digest: Digest, size?: number): Promise<Buffer | undefined> {
    const path = this.blobPath(digest);
    const data = await readFile(path).catch(() => undefined);
    if (!data) return undefined;
    if (sha256(data) !== digest || (size !== undefined && data.length !== size)) {
      await rm(path, { force: true });
      return undefined;
    }
    await touch(path);
    return data;
  }

  /** Stores a small blob whose digest the caller has verified. */
  async writeSmall(digest: Digest, data: Buffer): Promise<void> {
    if (sha256(data) !== digest)
      throw new MinnowError('INTERNAL', `refusing to cache bytes that do not hash to ${digest}`);
    await writeFileAtomic(this.blobPath(digest), data);
  }

  /**
   * A cached blob as a stream verified against the descriptor; undefined when not cached. A mismatch fails the
   * stream with DIGEST_MISMATCH and removes the corrupt file, so the next run downloads it again.
   */
  async open(d: Descriptor): Promise<Readable | undefined> {
    if (!(await this.has(d))) return undefined;
    const path = this.blobPath(d.digest);
    await touch(path);
    const check = verifyingStream(d.digest, d.size, `cached blob ${d.digest}`);
    const out = new PassThrough();
    const src = createReadStream(path);
    src.on('error', (err) => out.destroy(err));
    check.on('error', (err) => {
      src.destroy();
      const failure =
        err instanceof MinnowError && err.code === 'DIGEST_MISMATCH'
          ? new MinnowError('DIGEST_MISMATCH', err.message, {
              subject: path,
              cause: err,
              hint: 'the corrupt cache entry has been removed: run the command again to download it',
            })
          : err;
      // The reader sees the failure only once the entry is gone, so a retry right after it downloads afresh.
      rm(path, { force: true }).then(
        () => out.destroy(failure),
        () => out.destroy(failure),
      );
    });
    out.on('close', () => src.destroy());
    src.pipe(check).pipe(out);
    return out;
  }

  /**
   * Passes `source` through, verifying it against `d` and writing it into the cache as it flows; the cache entry
   * appears (by rename) only once every byte has arrived and matched.
   */
  tee(d: Descriptor, source: Readable): Readable {
    const path = this.blobPath(d.digest);
    const tmp = tempPathFor(path);
    let file: WriteStream | undefined;
    let failed = false;
    const cleanup = (): void => {
      failed = true;
      file?.destroy();
      void rm(tmp, { force: true });
    };
    const check = verifyingStream(d.digest, d.size, `blob ${d.digest}`);
    const writer = new Transform({
      transform(chunk: Buffer, _enc, done) {
        const f = file;
        if (!f) {
          done(null, chunk);
          return;
        }
        if (f.write(chunk)) done(null, chunk);
        else f.once('drain', () => done(null, chunk));
      },
      flush(done) {
        const f = file;
        if (!f || failed) {
          done();
          return;
        }
        f.end(() => {
          rename(tmp, path).then(
            () => done(),
            () => {
              void rm(tmp, { force: true });
              done();
            },
          );
        });
      },
    });
    const opened = makeDirs(dirname(path)).then(() => {
      file = createWriteStream(tmp);
      file.on('error', () => {
        // A cache that cannot be written only costs a download next time.
        failed = true;
        file = undefined;
        void rm(tmp, { force: true });
      });
    });
    source.on('error', (err) => check.destroy(err));
    check.on('error', (err) => {
      cleanup();
      writer.destroy(err);
    });
    writer.on('close', () => {
      if (!writer.writableFinished) {
        cleanup();
        source.destroy();
      }
    });
    opened.then(
      () => source.pipe(check).pipe(writer),
      () => source.pipe(check).pipe(writer),
    );
    return writer;
  }

  /** The digest a tag last resolved to, for offline use. */
  async getRef(registry: string, repository: string, tag: string): Promise<Digest | undefined> {
    const text = await readFile(join(this.refsDir, refPath(registry, repository, tag)), 'utf8').catch(
      () => undefined,
    );
    const d = text?.trim();
    return d && isDigest(d) ? d : undefined;
  }

  async putRef(registry: string, repository: string, tag: string, digest: Digest): Promise<void> {
    await writeFileAtomic(join(this.refsDir, refPath(registry, repository, tag)), `${digest}\n`);
  }

  /** Removes one blob (used when a cached blob proved corrupt). */
  async remove(digest: Digest): Promise<void> {
    await rm(this.blobPath(digest), { force: true });
  }
}
