import { Readable } from 'node:stream';
import { MinnowError, messageOf } from '../errors.js';
import { backoffDelay, isRetriableError, waitFor, type RetryPolicy } from './retry.js';
import { blobDeadlineMs, type RegistryTimeouts } from './timeouts.js';

/** What a resumable download needs: the first response body and a way to ask again from an offset. */
export interface DownloadParts {
  /** `registry/repository@digest`, for messages. */
  subject: string;
  /** Declared size, when known (bounds the deadline). */
  size?: number;
  first: Readable;
  /** Opens the blob again from byte `offset` (a Range request); the stream starts at `offset`. */
  reopen(offset: number): Promise<Readable>;
  timeouts: RegistryTimeouts;
  policy: RetryPolicy;
  signal?: AbortSignal;
}

/**
 * The blob's bytes, resumed from where they stopped when the connection is cut or stalls mid-body (up to the
 * policy's retries), and cut off when the whole blob takes longer than its size allows (a trickle). Failures
 * name the blob and blame the network, not the image.
 */
export function resumableDownload(parts: DownloadParts): Readable {
  const deadline = Date.now() + blobDeadlineMs(parts.size ?? 0, parts.timeouts);
  async function* bytes(): AsyncGenerator<Buffer> {
    let body = parts.first;
    let done = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        for await (const chunk of body) {
          if (Date.now() > deadline) throw tooSlow(parts, done);
          done += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
        return;
      } catch (err) {
        body.destroy();
        if (err instanceof MinnowError) throw err;
        if (parts.signal?.aborted) throw new MinnowError('ABORTED', 'cancelled', { cause: err });
        if (!isRetriableError(err) && !isPrematureClose(err)) throw err;
        if (attempt >= parts.policy.retries || Date.now() > deadline) throw cut(parts, done, err);
        await waitFor(backoffDelay(attempt, parts.policy), parts.signal);
        body = await parts.reopen(done);
      }
    }
  }
  return Readable.from(bytes(), { objectMode: false });
}

function isPrematureClose(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return (
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    code === 'UND_ERR_ABORTED' ||
    /terminated|other side closed/i.test(messageOf(err))
  );
}

function tooSlow(parts: DownloadParts, done: number): MinnowError {
  const kib = parts.timeouts.minBytesPerSecond / 1024;
  return new MinnowError(
    'NETWORK',
    `downloading ${parts.subject} is too slow: ${done} of ${parts.size ?? '?'} bytes after ${Math.round(blobDeadlineMs(parts.size ?? 0, parts.timeouts) / 1000)} s (below ${kib} KiB/s)`,
    {
      subject: parts.subject,
      hint: 'the network or the registry is slow; MINNOW_REGISTRY_MIN_RATE (KiB/s) lowers the bound',
      details: { retriable: false, timeout: true },
    },
  );
}

function cut(parts: DownloadParts, done: number, cause: unknown): MinnowError {
  return new MinnowError(
    'NETWORK',
    `the connection was lost downloading ${parts.subject} after ${done} bytes, ${parts.policy.retries} resumes failed: ${messageOf(cause)}`,
    {
      subject: parts.subject,
      cause,
      hint: 'a network or registry problem, not a broken image: try again',
      details: { retriable: true },
    },
  );
}
