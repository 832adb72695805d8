import { pipeline, Readable, Transform } from 'node:stream';
import { MinnowError } from '../errors.js';
import type { Descriptor } from '../oci/index.js';
import type { RegistryClient, Repo } from './client.js';
import { registryError } from './registry-error.js';
import { backoffDelay, isRetriableError, isRetriableStatus, waitFor } from './retry.js';
import type { HttpResponse } from './transport.js';

/** Options of `uploadBlob`; every field is optional. */
export interface UploadOptions {
  /** Blobs up to this size go up in one PUT; larger ones in PATCH chunks. Default 8 MiB. */
  monolithicMaxBytes?: number;
  /** Size of one PATCH chunk. Default 16 MiB (memory held per blob in flight). */
  chunkBytes?: number;
  /** Whole-upload attempts when the registry fails mid-way (a restart loses the session). Default 4. */
  attempts?: number;
  /** Bytes sent so far, for progress. */
  onBytes?: (done: number) => void;
  /** Called before the upload starts over after a failed attempt. */
  onRetry?: (err: unknown) => void;
  signal?: AbortSignal;
}

/** How a blob upload ended. */
export type UploadOutcome = 'uploaded' | 'mounted';

function location(res: HttpResponse, base: string): string {
  const loc = res.headers.location;
  if (!loc)
    throw new MinnowError('REGISTRY_ERROR', `the registry started an upload without a Location header`);
  return new URL(loc, base).href;
}

function withDigest(url: string, digest: string): string {
  const u = new URL(url);
  u.searchParams.set('digest', digest);
  return u.href;
}

/**
 * `src` with its bytes counted (the running total reported); an error of `src` (a failed digest check) fails
 * the returned stream too, so the request carrying it fails instead of waiting for bytes that never come.
 */
function counted(src: Readable, start: number, onBytes?: (n: number) => void): Readable {
  let n = start;
  const out = new Transform({
    transform(chunk: Buffer, _e, done) {
      n += chunk.length;
      onBytes?.(n);
      done(null, chunk);
    },
  });
  pipeline(src, out, () => {
    /* the error, if any, reaches the consumer of `out` */
  });
  return out;
}

/** Retriable failure of one upload attempt: a lost connection, a 5xx, or a session the registry forgot. */
function retriable(err: unknown): boolean {
  if (isRetriableError(err)) return true;
  if (err instanceof MinnowError && err.code === 'REGISTRY_ERROR') {
    const status = err.details?.status as number | undefined;
    const codes = (err.details?.errors as string[] | undefined) ?? [];
    return (
      (status !== undefined && (isRetriableStatus(status) || status === 416)) ||
      codes.includes('BLOB_UPLOAD_UNKNOWN') ||
      codes.includes('BLOB_UPLOAD_INVALID')
    );
  }
  if (err instanceof MinnowError && err.code === 'NOT_FOUND') {
    return ((err.details?.errors as string[] | undefined) ?? []).includes('BLOB_UPLOAD_UNKNOWN');
  }
  return false;
}

/** Reads up to `n` bytes from an async iterator of chunks, carrying leftovers between calls. */
class Chunker {
  #it: AsyncIterator<Buffer>;
  #left: Buffer = Buffer.alloc(0);
  #ended = false;
  constructor(stream: Readable) {
    this.#it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }
  async next(n: number): Promise<Buffer | undefined> {
    const parts: Buffer[] = this.#left.length ? [this.#left] : [];
    let have = this.#left.length;
    while (have < n && !this.#ended) {
      const r = await this.#it.next();
      if (r.done) {
        this.#ended = true;
        break;
      }
      parts.push(r.value);
      have += r.value.length;
    }
    const all = Buffer.concat(parts);
    this.#left = all.subarray(Math.min(n, all.length));
    const out = all.subarray(0, Math.min(n, all.length));
    return out.length ? out : undefined;
  }
}

/**
 * Uploads one blob: a cross-repository mount first when `from` names another repository of the same registry,
 * else a POST-started session finished by one PUT (small blobs) or PATCH chunks and a closing PUT (large ones).
 * Resolves only once the registry confirmed the blob with 201; a failed attempt starts a new session.
 */
export async function uploadBlob(
  client: RegistryClient,
  repo: Repo,
  d: Descriptor,
  open: () => Promise<Readable>,
  from: string | undefined,
  options: UploadOptions = {},
): Promise<UploadOutcome> {
  const attempts = options.attempts ?? 4;
  const subject = `${repo.registry}/${repo.repository}@${d.digest}`;
  const ctx = { action: 'push to', subject: `${repo.registry}/${repo.repository}`, registry: repo.registry };
  const base = await client.v2(repo.registry);
  const extraScopes = from ? [`repository:${from}:pull`] : [];
  for (let attempt = 0; ; attempt++) {
    try {
      const query = from ? `?mount=${encodeURIComponent(d.digest)}&from=${encodeURIComponent(from)}` : '';
      const started = await client.request(repo, {
        method: 'POST',
        path: `blobs/uploads/${query}`,
        headers: { 'content-length': '0' },
        actions: ['pull', 'push'],
        ...(options.signal ? { signal: options.signal } : {}),
        extraScopes,
      });
      if (started.status === 201 && from) {
        await started.body.dump();
        return 'mounted';
      }
      if (started.status !== 202) throw await registryError(started, ctx);
      await started.body.dump();
      let url = location(started, base);
      options.onBytes?.(0);
      let res: HttpResponse;
      if (d.size <= (options.monolithicMaxBytes ?? 8 * 1024 * 1024)) {
        res = await client.request(repo, {
          method: 'PUT',
          path: withDigest(url, d.digest),
          headers: { 'content-type': 'application/octet-stream', 'content-length': String(d.size) },
          body: async () => counted(await open(), 0, options.onBytes),
          actions: ['pull', 'push'],
          ...(options.signal ? { signal: options.signal } : {}),
          retry: false,
        });
      } else {
        const chunkBytes = options.chunkBytes ?? 16 * 1024 * 1024;
        const chunker = new Chunker(await open());
        let offset = 0;
        for (;;) {
          const chunk = await chunker.next(chunkBytes);
          if (!chunk) break;
          const patch = await client.request(repo, {
            method: 'PATCH',
            path: url,
            headers: {
              'content-type': 'application/octet-stream',
              'content-length': String(chunk.length),
              'content-range': `${offset}-${offset + chunk.length - 1}`,
            },
            body: () => counted(Readable.from([chunk]), offset, options.onBytes),
            actions: ['pull', 'push'],
            ...(options.signal ? { signal: options.signal } : {}),
            retry: false,
          });
          if (patch.status !== 202) throw await registryError(patch, ctx);
          await patch.body.dump();
          url = location(patch, base);
          offset += chunk.length;
        }
        if (offset !== d.size) {
          throw new MinnowError(
            'DIGEST_MISMATCH',
            `blob ${d.digest}: got ${offset} bytes, the descriptor declares ${d.size}`,
          );
        }
        res = await client.request(repo, {
          method: 'PUT',
          path: withDigest(url, d.digest),
          headers: { 'content-length': '0' },
          actions: ['pull', 'push'],
          ...(options.signal ? { signal: options.signal } : {}),
        });
      }
      if (res.status !== 201) throw await registryError(res, ctx);
      await res.body.dump();
      const confirmed = res.headers['docker-content-digest'];
      if (confirmed && confirmed !== d.digest) {
        throw new MinnowError('DIGEST_MISMATCH', `the registry stored ${subject} as ${confirmed}`, {
          subject,
        });
      }
      return 'uploaded';
    } catch (err) {
      const local = err instanceof MinnowError && err.code === 'DIGEST_MISMATCH';
      if (local || attempt + 1 >= attempts || !retriable(err)) throw err;
      options.onRetry?.(err);
      await waitFor(backoffDelay(attempt + 1, client.transport.policy), options.signal);
    }
  }
}
