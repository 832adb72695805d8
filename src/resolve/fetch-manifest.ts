import { MinnowError, messageOf } from '../errors.js';
import { VERSION } from '../version.js';

/** How long a `-f URL` may take, all of it, and how large it may be: a manifest is text, not a download. */
export const MANIFEST_FETCH_LIMITS = { timeoutMs: 30_000, maxBytes: 32 * 1024 * 1024 };

/** Whether a `-f` argument is a URL (`http://…`, `https://…`), as kubectl and ko read them. */
export function isManifestUrl(path: string): boolean {
  return /^https?:\/\//i.test(path);
}

/**
 * Fetches one manifest file over HTTP(S), as `kubectl -f URL` does: TLS verified, redirects followed, at most
 * `timeoutMs` for the whole transfer and `maxBytes` of body; anything else is one clear error naming the URL.
 */
export async function fetchManifest(
  url: string,
  options: { signal?: AbortSignal; limits?: Partial<typeof MANIFEST_FETCH_LIMITS> } = {},
): Promise<string> {
  const { timeoutMs, maxBytes } = { ...MANIFEST_FETCH_LIMITS, ...options.limits };
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const fail = (why: string, cause?: unknown, code: 'NETWORK' | 'LIMIT_EXCEEDED' = 'NETWORK'): MinnowError =>
    new MinnowError(code, `cannot read ${url}: ${why}`, { subject: url, ...(cause ? { cause } : {}) });
  try {
    const res = await fetch(url, {
      signal,
      redirect: 'follow',
      headers: { 'user-agent': `minnow/${VERSION}` },
    });
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw fail(`HTTP ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > maxBytes) {
      await res.body.cancel();
      throw fail(
        `${declared} bytes is more than the ${maxBytes} a manifest may have`,
        undefined,
        'LIMIT_EXCEEDED',
      );
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += chunk.byteLength;
      if (size > maxBytes)
        throw fail(`more than the ${maxBytes} bytes a manifest may have`, undefined, 'LIMIT_EXCEEDED');
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    if (err instanceof MinnowError) throw err;
    if (options.signal?.aborted) throw new MinnowError('ABORTED', 'cancelled', { cause: err });
    if (timeout.aborted) throw fail(`no complete answer within ${timeoutMs / 1000} s`, err);
    const cause = (err as { cause?: unknown }).cause;
    throw fail(messageOf(cause ?? err), err);
  }
}
