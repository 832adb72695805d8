import { setMaxListeners } from 'node:events';
import type { Readable } from 'node:stream';
import { MinnowError, messageOf } from '../errors.js';
import { ConnectionPool, PROXY_REFUSED, TIMEOUT_CODES, type ResponseBody } from './connection-pool.js';
import { VERSION } from '../version.js';
import { registryTimeouts, type RegistryTimeouts } from './timeouts.js';
import {
  backoffDelay,
  DEFAULT_RETRY,
  errorCode,
  isRetriableError,
  isRetriableStatus,
  parseRetryAfter,
  waitFor,
  type RetryPolicy,
} from './retry.js';

/** The methods the Distribution API uses. */
export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/** Signals whose listener limit `signalFor` has lifted. */
const unlimited = new WeakSet<AbortSignal>();

/** One HTTP request. `body` is a factory so that a retry can send the body again. */
export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  body?: () => Buffer | Readable | Promise<Buffer | Readable>;
  /** Follow redirects (GET and HEAD only). Default true. */
  followRedirects?: boolean;
  /** Retry on connection errors, 429 and 5xx. Default true. */
  retry?: boolean;
  /** Aborts this request (in addition to the transport's own signal). */
  signal?: AbortSignal;
}

/** A response; the caller must read or `dump()` the body. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: ResponseBody;
  /** The URL that answered (after redirects). */
  url: string;
}

/** Options of a Transport; every field is optional. */
export interface TransportOptions {
  /** Hosts (`host[:port]`) that may be reached over plain HTTP and without TLS verification. */
  insecureRegistries?: string[];
  retry?: Partial<RetryPolicy>;
  /** Time to wait for response headers, ms. Default 15 000 (see registry/timeouts.ts). */
  headersTimeoutMs?: number;
  /** Time the body may stall between chunks, ms. Default 30 000. */
  bodyTimeoutMs?: number;
  /** Time to connect (TCP and TLS), ms. Default 10 000. */
  connectTimeoutMs?: number;
  /** The other bounds (retry budget, slowest download rate); default from the environment, see timeouts.ts. */
  timeouts?: Partial<RegistryTimeouts>;
  signal?: AbortSignal;
  /** Called before each retry, for progress output. */
  onRetry?: (info: { url: string; attempt: number; delayMs: number; reason: string }) => void;
}

/** Sent with every registry request, so registry operators can tell minnow's traffic apart (as ko sends ko/VERSION). */
export const USER_AGENT = `minnow/${VERSION}`;

/** True for loopback hosts, which (like Docker) minnow may reach over plain HTTP. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Which scheme each loopback/insecure host answered on, shared by every transport of this process. */
const knownSchemes = new Map<string, 'https' | 'http'>();

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function flatHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(raw)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/**
 * HTTP for registries on node:http (connection-pool.ts): TLS verified (plain HTTP only for loopback and `insecureRegistries`), retries
 * with exponential backoff and jitter on connection errors, 429 and 5xx (honouring Retry-After), timeouts,
 * HTTP(S)_PROXY/NO_PROXY, and redirects that never carry the Authorization header to another origin.
 */
export class Transport {
  readonly #opts: TransportOptions;
  readonly #policy: RetryPolicy;
  readonly #pool: ConnectionPool;
  readonly #schemes = new Map<string, Promise<'https' | 'http'>>();
  readonly timeouts: RegistryTimeouts;

  constructor(options: TransportOptions = {}) {
    this.#opts = options;
    this.#policy = { ...DEFAULT_RETRY, ...options.retry };
    this.timeouts = registryTimeouts({
      ...options.timeouts,
      ...(options.headersTimeoutMs !== undefined ? { firstByteMs: options.headersTimeoutMs } : {}),
      ...(options.bodyTimeoutMs !== undefined ? { idleMs: options.bodyTimeoutMs } : {}),
      ...(options.connectTimeoutMs !== undefined ? { connectMs: options.connectTimeoutMs } : {}),
    });
    this.#pool = new ConnectionPool(this.timeouts);
  }

  /** The retry policy in force. */
  get policy(): RetryPolicy {
    return this.#policy;
  }

  get signal(): AbortSignal | undefined {
    return this.#opts.signal;
  }

  /** True when `host` may be spoken to over plain HTTP. */
  allowsInsecure(host: string): boolean {
    return isLoopback(host) || (this.#opts.insecureRegistries ?? []).includes(host);
  }

  /**
   * `https://host` or, for loopback and insecure hosts that do not speak TLS, `http://host`. Found once per host
   * by trying HTTPS first, as Docker does; loopback hosts are tried over HTTP first, as crane does (nothing leaves
   * the machine, and a local registry's usual plain HTTP answers without the cost of starting TLS).
   */
  async baseUrl(host: string): Promise<string> {
    if (!this.allowsInsecure(host)) return `https://${host}`;
    const known = knownSchemes.get(host);
    if (known) return `${known}://${host}`;
    let scheme = this.#schemes.get(host);
    if (!scheme) {
      scheme = this.#probe(host);
      this.#schemes.set(host, scheme);
      scheme.then(
        (found) => knownSchemes.set(host, found),
        () => this.#schemes.delete(host),
      );
    }
    return `${await scheme}://${host}`;
  }

  /**
   * `http://host` for a loopback host whose scheme no request has found yet: a request may go there first and
   * stand in for the probe (`RegistryClient.request`), since a local registry most often speaks plain HTTP and
   * the probe cost a request of its own (on a cold CLI start, ~5 ms of CPU). Undefined otherwise.
   */
  plainHttpGuess(host: string): string | undefined {
    if (!isLoopback(host) || knownSchemes.has(host) || this.#schemes.has(host)) return undefined;
    return `http://${host}`;
  }

  /** Records that `host` answered a guessed plain-HTTP request as a registry (not a TLS server's refusal). */
  rememberPlainHttp(host: string): void {
    knownSchemes.set(host, 'http');
  }

  async #probe(host: string): Promise<'https' | 'http'> {
    if (isLoopback(host) && (await this.#speaksPlainHttp(host))) return 'http';
    try {
      const res = await this.send({ method: 'GET', url: `https://${host}/v2/`, followRedirects: false });
      await res.body.dump();
      return 'https';
    } catch (err) {
      if (err instanceof MinnowError && err.details?.tls === true) return 'http';
      throw err;
    }
  }

  /**
   * Whether a loopback host answers plain HTTP as a server that does not want TLS: a TLS server answers `400`
   * naming HTTPS (Go's, nginx's) or drops the connection, and any failure here leaves the decision to the HTTPS
   * probe, whose errors are the ones reported.
   */
  async #speaksPlainHttp(host: string): Promise<boolean> {
    try {
      const res = await this.send({
        method: 'GET',
        url: `http://${host}/v2/`,
        followRedirects: false,
        retry: false,
      });
      if (res.status !== 400) {
        await res.body.dump();
        return true;
      }
      return !/https|tls|ssl/i.test((await res.body.text()).slice(0, 4096));
    } catch {
      return false;
    }
  }

  /**
   * The transport's signal and the request's, combined. Each request in flight listens on it (node:http adds one
   * listener per request): a push of two platforms with their attestations has more than Node's 10 at once, which
   * printed "MaxListenersExceededWarning: Possible EventTarget memory leak" on stderr. The listeners go with
   * their requests, so the count is bounded by the requests in flight: no limit is set on it.
   */
  signalFor(req: { signal?: AbortSignal }): AbortSignal | undefined {
    const own = this.#opts.signal;
    const signal = !req.signal ? own : own ? AbortSignal.any([own, req.signal]) : req.signal;
    if (signal && !unlimited.has(signal)) {
      setMaxListeners(0, signal);
      unlimited.add(signal);
    }
    return signal;
  }

  async #once(req: HttpRequest, url: URL, headers: Record<string, string>): Promise<HttpResponse> {
    const signal = this.signalFor(req);
    if (signal?.aborted) throw new MinnowError('ABORTED', 'cancelled', { cause: signal.reason });
    const body = req.body ? await req.body() : undefined;
    try {
      const res = await this.#pool.request(url, {
        method: req.method,
        headers: { 'user-agent': USER_AGENT, ...headers },
        ...(body ? { body } : {}),
        verifyTls: !this.allowsInsecure(url.host),
        ...(signal ? { signal } : {}),
      });
      return { status: res.status, headers: flatHeaders(res.headers), body: res.body, url: url.href };
    } catch (err) {
      if (body && !Buffer.isBuffer(body)) body.destroy();
      if (signal?.aborted) throw new MinnowError('ABORTED', 'cancelled', { cause: err });
      const ours = minnowCause(err);
      if (ours) throw ours;
      throw networkError(err, url, this.timeouts);
    }
  }

  /** Sends a request with retries and redirects; the caller reads (or dumps) the body. */
  async send(req: HttpRequest): Promise<HttpResponse> {
    let url = new URL(req.url);
    let headers = { ...(req.headers ?? {}) };
    const origin = url.origin;
    const signal = this.signalFor(req);
    const started = Date.now();
    let redirects = 0;
    for (let attempt = 0; ; attempt++) {
      const last = req.retry === false || attempt >= this.#policy.retries;
      let res: HttpResponse;
      try {
        res = await this.#once(req, url, headers);
      } catch (err) {
        if (last || !isRetriableError(err)) throw err;
        const delayMs = backoffDelay(attempt, this.#policy);
        // Attempts that time out are slow: no new one starts once the budget is spent.
        if (Date.now() - started + delayMs >= this.timeouts.retryBudgetMs) throw err;
        this.#opts.onRetry?.({ url: url.href, attempt: attempt + 1, delayMs, reason: messageOf(err) });
        await waitFor(delayMs, signal);
        continue;
      }
      if (
        REDIRECTS.has(res.status) &&
        req.followRedirects !== false &&
        (req.method === 'GET' || req.method === 'HEAD')
      ) {
        await res.body.dump();
        const location = res.headers.location;
        if (!location || ++redirects > 10) {
          throw new MinnowError('REGISTRY_ERROR', `too many or broken redirects from ${url.host}`, {
            subject: url.href,
          });
        }
        const next = new URL(location, url);
        if (next.protocol !== 'https:' && !(next.protocol === 'http:' && this.allowsInsecure(next.host))) {
          throw new MinnowError(
            'REGISTRY_ERROR',
            `refusing a redirect from ${url.host} to insecure ${next.origin}`,
            {
              subject: url.href,
            },
          );
        }
        if (next.origin !== origin) {
          // Blob downloads redirect to storage: credentials for the registry must never travel there.
          const { authorization: _a, Authorization: _b, ...rest } = headers;
          headers = rest;
        }
        url = next;
        attempt--;
        continue;
      }
      if (!last && isRetriableStatus(res.status)) {
        const retryAfter = parseRetryAfter(res.headers['retry-after']);
        await res.body.dump().catch(() => undefined);
        const delayMs = backoffDelay(attempt, this.#policy, retryAfter);
        this.#opts.onRetry?.({ url: url.href, attempt: attempt + 1, delayMs, reason: `HTTP ${res.status}` });
        await waitFor(delayMs, signal);
        continue;
      }
      return res;
    }
  }

  /** Closes the connection pools: every request's body must have been read or dumped by now. */
  async close(): Promise<void> {
    this.#pool.close();
    return Promise.resolve();
  }
}

/** A MinnowError somewhere in a cause chain (a request body that failed its digest check). */
function minnowCause(err: unknown): MinnowError | undefined {
  let e: unknown = err;
  for (let i = 0; i < 5 && e; i++) {
    if (e instanceof MinnowError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Timeouts, by the connection pool's code: which bound ran out and how to say it. */
const STALLS: Record<string, { what: string; bound: keyof RegistryTimeouts; env: string }> = {
  [TIMEOUT_CODES.connect]: {
    what: 'did not complete a connection (TCP and TLS handshake)',
    bound: 'connectMs',
    env: 'MINNOW_REGISTRY_CONNECT_TIMEOUT',
  },
  [TIMEOUT_CODES.firstByte]: {
    what: 'did not answer',
    bound: 'firstByteMs',
    env: 'MINNOW_REGISTRY_RESPONSE_TIMEOUT',
  },
  [TIMEOUT_CODES.idle]: {
    what: 'stopped sending data',
    bound: 'idleMs',
    env: 'MINNOW_REGISTRY_IDLE_TIMEOUT',
  },
};

const TLS_CODES = /^(EPROTO|ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/;

/** A connection-level failure as one clear line: what host, what went wrong, whether a retry may help. */
export function networkError(err: unknown, url: URL, timeouts?: RegistryTimeouts): MinnowError {
  const code = errorCode(err) ?? '';
  const host = url.host;
  const stalled = STALLS[code];
  if (stalled) {
    const ms = timeouts ? timeouts[stalled.bound] : undefined;
    return new MinnowError(
      'NETWORK',
      `registry ${host} ${stalled.what}${ms !== undefined ? ` within ${ms / 1000} s` : ''}`,
      {
        subject: host,
        cause: err,
        hint: `check that ${host} is up and reachable; ${stalled.env} sets the bound (seconds)`,
        details: { retriable: true, timeout: true, code },
      },
    );
  }
  if (code === PROXY_REFUSED) {
    return new MinnowError('NETWORK', `cannot reach registry ${host}: ${messageOf(err)}`, {
      subject: host,
      cause: err,
      hint: 'check HTTPS_PROXY/HTTP_PROXY (and the credentials in them) or NO_PROXY',
      details: { retriable: false, code },
    });
  }
  if (code === 'ENOTFOUND') {
    return new MinnowError('NETWORK', `cannot resolve registry host ${url.hostname}`, {
      subject: host,
      cause: err,
      hint: 'check the registry name in the reference, and your DNS or proxy settings',
      details: { retriable: false, code },
    });
  }
  if (TLS_CODES.test(code) || /certificate|SSL|TLS/i.test(messageOf(err))) {
    return new MinnowError('NETWORK', `TLS connection to ${host} failed: ${messageOf(err)}`, {
      subject: host,
      cause: err,
      hint: `if ${host} is a registry you trust that serves plain HTTP or a self-signed certificate, pass --insecure-registry ${host}`,
      details: { retriable: false, tls: true, code },
    });
  }
  return new MinnowError('NETWORK', `cannot reach registry ${host}: ${code || messageOf(err)}`, {
    subject: host,
    cause: err,
    hint: 'check that the registry is running and reachable (and HTTPS_PROXY/NO_PROXY if you use a proxy)',
    details: { retriable: isRetriableError(err), code },
  });
}
