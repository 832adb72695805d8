import { Readable } from 'node:stream';
import { MinnowError } from '../errors.js';
import { isDigest, MANIFEST_ACCEPT, sha256, type Descriptor, type Digest } from '../oci/index.js';
import { Authenticator, repositoryScope, type CredentialSource } from './auth.js';
import { lookupCredential, type Credential } from './docker-config.js';
import { apiHost, type Reference } from './reference.js';
import { resumableDownload } from './blob-download.js';
import { registryError } from './registry-error.js';
import { isRetriableStatus } from './retry.js';
import {
  Transport,
  type HttpMethod,
  type HttpRequest,
  type HttpResponse,
  type TransportOptions,
} from './transport.js';

/** Options of a registry client; every field is optional. */
export interface RegistryClientOptions extends TransportOptions {
  /** Credentials to use for every registry (tests, `minnow login`); default: the Docker config. */
  credential?: Credential;
  /** Where credentials come from; default: the Docker config of `env`. */
  credentials?: CredentialSource;
  /** Environment for DOCKER_CONFIG and HOME. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Reuse an existing transport (its options win). */
  transport?: Transport;
}

/** A repository on a registry: what every request is about. */
export type Repo = Pick<Reference, 'registry' | 'repository'>;

/** One request about a repository, as `RegistryClient.request` takes it. */
export interface RepoRequest {
  method: HttpMethod;
  /** Path under `/v2/<repository>/` (e.g. `manifests/latest`), or a full URL (upload locations). */
  path: string;
  headers?: Record<string, string>;
  body?: HttpRequest['body'];
  /** Actions the token must allow. Default ['pull']. */
  actions?: string[];
  /** Extra scopes (a cross-repository mount needs pull on the source). */
  extraScopes?: string[];
  retry?: boolean;
  /** Aborts this request (in addition to the transport's own signal). */
  signal?: AbortSignal;
}

/** A manifest as served: its bytes, the media type the registry declared, and its digest (computed). */
export interface FetchedManifest {
  raw: Buffer;
  mediaType: string | undefined;
  digest: Digest;
}

const MAX_MANIFEST = 4 * 1024 * 1024;

/**
 * An OCI Distribution API client: authenticated, retried requests to one or more registries, and the handful
 * of operations pull and push need.
 */
export class RegistryClient {
  readonly transport: Transport;
  readonly #auth: Authenticator;

  constructor(options: RegistryClientOptions = {}) {
    this.transport = options.transport ?? new Transport(options);
    const env = options.env ?? process.env;
    const source: CredentialSource =
      options.credentials ??
      (options.credential
        ? async () => options.credential
        : (registry) => lookupCredential(registry, { env }));
    this.#auth = new Authenticator(this.transport, source);
  }

  /** The `/v2/` URL of a registry. */
  async v2(registry: string): Promise<string> {
    return `${await this.transport.baseUrl(apiHost(registry))}/v2/`;
  }

  /** Sends a request about a repository, authenticating (and retrying once on 401) as needed. */
  async request(repo: Repo, req: RepoRequest): Promise<HttpResponse> {
    const guess = /^https?:\/\//.test(req.path)
      ? undefined
      : this.transport.plainHttpGuess(apiHost(repo.registry));
    if (guess) {
      // Tried once over plain HTTP, with no credentials: any answer but a 400 is a registry's (a TLS server
      // answers plain HTTP with 400, or drops the connection), and settles the scheme for every later request.
      // Otherwise the probe decides (Transport.baseUrl) and the request is sent again, retried as usual.
      const res = await this.#requestAt(`${guess}/v2/`, repo, { ...req, retry: false }, true).catch(
        (err: unknown) => {
          if (!(err instanceof MinnowError) || err.code !== 'NETWORK') throw err;
          return undefined;
        },
      );
      if (res && res.status !== 400) {
        this.transport.rememberPlainHttp(apiHost(repo.registry));
        // A busy or failing registry's answer is asked again, with the retries this attempt went without.
        if (!isRetriableStatus(res.status)) return res;
      }
      await res?.body.dump();
    }
    // Not anonymous-only, so always an answer.
    return (await this.#requestAt(await this.v2(repo.registry), repo, req, false)) as HttpResponse;
  }

  /**
   * `request` against `base` (a registry's `/v2/` URL). `anonymous`: only without credentials; undefined when
   * the request would need some before the registry asked for them.
   */
  async #requestAt(
    base: string,
    repo: Repo,
    req: RepoRequest,
    anonymous: boolean,
  ): Promise<HttpResponse | undefined> {
    const host = apiHost(repo.registry);
    const url = /^https?:\/\//.test(req.path) ? req.path : `${base}${repo.repository}/${req.path}`;
    const subject = `${repo.registry}/${repo.repository}`;
    const send = (authorization: string | undefined): Promise<HttpResponse> =>
      this.transport.send({
        method: req.method,
        url,
        headers: { ...(req.headers ?? {}), ...(authorization ? { authorization } : {}) },
        body: req.body,
        retry: req.retry,
        ...(req.signal ? { signal: req.signal } : {}),
      });
    const target = new URL(url);
    if (target.origin !== new URL(base).origin) {
      // An upload Location on another host (storage, a CDN, or a hostile registry): the registry's credentials
      // are never sent there, as Docker and go-containerregistry do for redirects.
      if (target.protocol !== 'https:' && !this.transport.allowsInsecure(target.host)) {
        throw new MinnowError(
          'REGISTRY_ERROR',
          `refusing to send ${subject} data to ${target.origin} over plain HTTP`,
          { subject: target.host },
        );
      }
      return send(undefined);
    }
    const scopes = [repositoryScope(repo.repository, req.actions ?? ['pull']), ...(req.extraScopes ?? [])];
    const first = await this.#auth.header(host, repo.registry, scopes);
    if (first && anonymous) return undefined;
    let res = await send(first);
    if (res.status !== 401) return res;
    await res.body.dump();
    const header = await this.#auth.challenged(
      host,
      repo.registry,
      scopes,
      res.headers['www-authenticate'],
      subject,
      first,
    );
    res = await send(header);
    return res;
  }

  /** Checks that the registry answers and that the credentials (if any) are accepted. */
  async ping(registry: string): Promise<void> {
    const host = apiHost(registry);
    const url = await this.v2(registry);
    let res = await this.transport.send({ method: 'GET', url });
    if (res.status === 401) {
      await res.body.dump();
      const header = await this.#auth.challenged(
        host,
        registry,
        [],
        res.headers['www-authenticate'],
        registry,
      );
      res = await this.transport.send({ method: 'GET', url, headers: { authorization: header } });
    }
    if (res.status !== 200)
      throw await registryError(res, { action: 'log in to', subject: registry, registry });
    await res.body.dump();
  }

  /** GETs a manifest by tag or digest; fails with the registry's error as one clear line. */
  async getManifest(repo: Repo, target: string): Promise<FetchedManifest> {
    const res = await this.request(repo, {
      method: 'GET',
      path: `manifests/${target}`,
      headers: { accept: MANIFEST_ACCEPT },
    });
    const subject = `${repo.registry}/${repo.repository}${isDigest(target) ? '@' : ':'}${target}`;
    if (res.status !== 200)
      throw await registryError(res, { action: 'pull', subject, registry: repo.registry });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_MANIFEST) {
        res.body.destroy();
        throw new MinnowError('LIMIT_EXCEEDED', `manifest ${subject} is larger than ${MAX_MANIFEST} bytes`, {
          subject,
        });
      }
      chunks.push(chunk as Buffer);
    }
    const raw = Buffer.concat(chunks);
    const digest = sha256(raw);
    const declared = res.headers['docker-content-digest'];
    if (isDigest(target) && target !== digest) {
      throw new MinnowError('DIGEST_MISMATCH', `manifest ${subject}: content hashes to ${digest}`, {
        subject,
      });
    }
    if (declared && declared.startsWith('sha256:') && declared !== digest) {
      throw new MinnowError(
        'DIGEST_MISMATCH',
        `manifest ${subject}: content hashes to ${digest}, the registry says ${declared}`,
        {
          subject,
        },
      );
    }
    const mediaType = res.headers['content-type']?.split(';')[0]?.trim();
    return { raw, mediaType, digest };
  }

  /** HEADs a manifest: its descriptor, or undefined when the registry has none under that tag or digest. */
  async headManifest(
    repo: Repo,
    target: string,
    actions: string[] = ['pull'],
  ): Promise<Descriptor | undefined> {
    const res = await this.request(repo, {
      method: 'HEAD',
      path: `manifests/${target}`,
      headers: { accept: MANIFEST_ACCEPT },
      actions,
    });
    await res.body.dump();
    if (res.status === 404) return undefined;
    if (res.status !== 200) {
      throw await registryError(res, {
        action: actions.includes('push') ? 'push to' : 'pull',
        subject: `${repo.registry}/${repo.repository}:${target}`,
        registry: repo.registry,
      });
    }
    const digest = res.headers['docker-content-digest'];
    if (!digest || !isDigest(digest)) return undefined;
    return {
      mediaType: res.headers['content-type']?.split(';')[0]?.trim() ?? '',
      digest,
      size: Number(res.headers['content-length'] ?? 0),
    };
  }

  /** True when the repository already has the blob (HEAD). */
  async hasBlob(
    repo: Repo,
    digest: Digest,
    actions: string[] = ['pull'],
    signal?: AbortSignal,
  ): Promise<boolean> {
    const res = await this.request(repo, {
      method: 'HEAD',
      path: `blobs/${digest}`,
      actions,
      ...(signal ? { signal } : {}),
    });
    await res.body.dump();
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw await registryError(res, {
      action: actions.includes('push') ? 'push to' : 'pull',
      subject: `${repo.registry}/${repo.repository}`,
      registry: repo.registry,
    });
  }

  /**
   * The raw blob stream (redirects to storage followed without credentials), resumed with a Range request when
   * the connection is cut mid-body and cut off when it trickles (see registry/timeouts.ts). The caller verifies it.
   */
  async openBlob(
    repo: Repo,
    d: Pick<Descriptor, 'digest'> & { size?: number },
    signal?: AbortSignal,
  ): Promise<Readable> {
    const subject = `${repo.registry}/${repo.repository}@${d.digest}`;
    const get = async (offset: number): Promise<Readable> => {
      const res = await this.request(repo, {
        method: 'GET',
        path: `blobs/${d.digest}`,
        ...(offset > 0 ? { headers: { range: `bytes=${offset}-` } } : {}),
        ...(signal ? { signal } : {}),
      });
      if (offset > 0 && res.status === 206) return res.body;
      if (res.status !== 200) {
        throw await registryError(res, { action: 'pull', subject, registry: repo.registry });
      }
      if (offset > 0) return skip(res.body, offset);
      return res.body;
    };
    return resumableDownload({
      subject,
      ...(d.size !== undefined ? { size: d.size } : {}),
      first: await get(0),
      reopen: get,
      timeouts: this.transport.timeouts,
      policy: this.transport.policy,
      ...(this.transport.signalFor({ signal }) ? { signal: this.transport.signalFor({ signal }) } : {}),
    });
  }

  /** Closes connections. */
  async close(): Promise<void> {
    await this.transport.close();
  }
}

/** `body` without its first `n` bytes (a registry that answered a Range request with the whole blob). */
function skip(body: Readable, n: number): Readable {
  let left = n;
  async function* rest(): AsyncGenerator<Buffer> {
    for await (const chunk of body) {
      const c = chunk as Buffer;
      if (left >= c.length) {
        left -= c.length;
        continue;
      }
      yield left > 0 ? c.subarray(left) : c;
      left = 0;
    }
  }
  return Readable.from(rest(), { objectMode: false });
}
