import { MinnowError } from '../errors.js';
import type { Credential } from './docker-config.js';
import { readRegistryErrors } from './registry-error.js';
import type { Transport } from './transport.js';
import { parseWwwAuthenticate, type Challenge } from './www-authenticate.js';

/** Where credentials for a registry come from; undefined means anonymous. */
export type CredentialSource = (registry: string) => Promise<Credential | undefined>;

interface HostState {
  scheme: 'basic' | 'bearer' | 'none';
  realm?: string;
  service?: string;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** `repository:NAME:ACTIONS`, the scope of a repository request. */
export function repositoryScope(repository: string, actions: string[]): string {
  return `repository:${repository}:${actions.join(',')}`;
}

/**
 * Authorization for registry requests: anonymous, Basic, or the Bearer token flow (challenge parsed from
 * WWW-Authenticate, token fetched for the scopes a request needs, cached per host and scope until it expires).
 * Tokens and passwords stay inside this object; nothing here logs them.
 */
export class Authenticator {
  readonly #transport: Transport;
  readonly #credentials: CredentialSource;
  readonly #hosts = new Map<string, HostState>();
  readonly #tokens = new Map<string, Promise<CachedToken>>();
  readonly #creds = new Map<string, Promise<Credential | undefined>>();

  constructor(transport: Transport, credentials: CredentialSource) {
    this.#transport = transport;
    this.#credentials = credentials;
  }

  #credential(registry: string): Promise<Credential | undefined> {
    let c = this.#creds.get(registry);
    if (!c) {
      c = this.#credentials(registry);
      this.#creds.set(registry, c);
    }
    return c;
  }

  /** The Authorization header to send up front, when the host's scheme is already known. */
  async header(host: string, registry: string, scopes: string[]): Promise<string | undefined> {
    const state = this.#hosts.get(host);
    if (!state || state.scheme === 'none') return undefined;
    return this.#headerFor(state, host, registry, scopes, undefined);
  }

  /**
   * Called on a 401: learns the challenge and returns a header to retry with once (a token another request
   * fetched meanwhile, else a new one; never the `rejected` one again), or throws UNAUTHORIZED when no credentials
   * can satisfy it.
   */
  async challenged(
    host: string,
    registry: string,
    scopes: string[],
    header: string | undefined,
    subject: string,
    rejected?: string,
  ): Promise<string> {
    const challenges = parseWwwAuthenticate(header ?? '');
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    let state: HostState;
    if (bearer?.params.realm) {
      state = { scheme: 'bearer', realm: bearer.params.realm, service: bearer.params.service };
      scopes = withChallengeScope(scopes, bearer);
    } else if (basic) {
      state = { scheme: 'basic' };
    } else {
      throw new MinnowError(
        'UNAUTHORIZED',
        `${subject}: the registry asked for authentication it did not describe (HTTP 401)`,
        {
          subject,
          hint: `log in with "minnow login ${registry}"`,
        },
      );
    }
    this.#hosts.set(host, state);
    const h = await this.#headerFor(state, host, registry, scopes, rejected ?? '');
    if (!h) {
      throw new MinnowError(
        'UNAUTHORIZED',
        `${subject}: authentication required and no credentials are stored for ${registry}`,
        {
          subject,
          hint: `log in with "minnow login ${registry}" (or docker login)`,
        },
      );
    }
    return h;
  }

  async #headerFor(
    state: HostState,
    host: string,
    registry: string,
    scopes: string[],
    rejected: string | undefined,
  ): Promise<string | undefined> {
    const cred = await this.#credential(registry);
    if (state.scheme === 'basic') {
      if (!cred?.username || cred.password === undefined) return undefined;
      return `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
    }
    if (cred?.registryToken) return `Bearer ${cred.registryToken}`;
    const key = `${host} ${[...scopes].sort().join(' ')}`;
    let cached = this.#tokens.get(key);
    if (cached) {
      // A token fetched meanwhile (by a parallel request) is reused; only the one the registry refused is not.
      const t = await cached.catch(() => undefined);
      if (t && t.expiresAt > Date.now() && `Bearer ${t.token}` !== rejected) return `Bearer ${t.token}`;
    }
    cached = this.#fetchToken(state, registry, scopes, cred);
    this.#tokens.set(key, cached);
    cached.catch(() => this.#tokens.delete(key));
    return `Bearer ${(await cached).token}`;
  }

  async #fetchToken(
    state: HostState,
    registry: string,
    scopes: string[],
    cred: Credential | undefined,
  ): Promise<CachedToken> {
    const realm = new URL(state.realm as string);
    if (
      realm.protocol !== 'https:' &&
      !(realm.protocol === 'http:' && this.#transport.allowsInsecure(realm.host))
    ) {
      throw new MinnowError(
        'UNAUTHORIZED',
        `${registry} sends its token requests to insecure ${realm.origin}; refusing to send credentials there`,
        {
          subject: registry,
        },
      );
    }
    const params = new URLSearchParams();
    if (state.service) params.set('service', state.service);
    for (const s of scopes) params.append('scope', s);
    let res;
    if (cred?.identityToken) {
      params.set('grant_type', 'refresh_token');
      params.set('refresh_token', cred.identityToken);
      params.set('client_id', 'minnow');
      const body = Buffer.from(params.toString());
      res = await this.#transport.send({
        method: 'POST',
        url: realm.href,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: () => body,
      });
    } else {
      if (cred?.username) params.set('account', cred.username);
      for (const [k, v] of params) realm.searchParams.append(k, v);
      const headers: Record<string, string> = {};
      if (cred?.username && cred.password !== undefined) {
        headers.authorization = `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
      }
      res = await this.#transport.send({ method: 'GET', url: realm.href, headers });
    }
    if (res.status === 401 || res.status === 403) {
      const errors = await readRegistryErrors(res);
      const said = errors[0]?.message ? `: ${errors[0].message}` : '';
      throw new MinnowError(
        'UNAUTHORIZED',
        `${registry} refused the credentials${said} (token endpoint HTTP ${res.status})`,
        {
          subject: registry,
          hint: `log in again with "minnow login ${registry}"`,
          details: { status: res.status },
        },
      );
    }
    if (res.status !== 200) {
      await res.body.dump();
      throw new MinnowError(
        'REGISTRY_ERROR',
        `${registry}'s token endpoint ${realm.host} answered HTTP ${res.status}`,
        {
          subject: registry,
          details: { status: res.status },
        },
      );
    }
    const doc = (await res.body.json().catch(() => ({}))) as {
      token?: unknown;
      access_token?: unknown;
      expires_in?: unknown;
    };
    const token =
      typeof doc.token === 'string'
        ? doc.token
        : typeof doc.access_token === 'string'
          ? doc.access_token
          : undefined;
    if (!token)
      throw new MinnowError('REGISTRY_ERROR', `${registry}'s token endpoint returned no token`, {
        subject: registry,
      });
    const ttl = typeof doc.expires_in === 'number' && doc.expires_in > 0 ? doc.expires_in : 60;
    // Renew a little early so a token never expires in flight.
    return { token, expiresAt: Date.now() + Math.max(ttl - 10, ttl / 2) * 1000 };
  }
}

function withChallengeScope(scopes: string[], challenge: Challenge): string[] {
  const extra = challenge.params.scope?.split(' ').filter(Boolean) ?? [];
  const out = [...scopes];
  for (const s of extra) if (!out.includes(s) && !covered(out, s)) out.push(s);
  return out;
}

/** True when `scope` (e.g. `repository:a:pull`) is already implied by one of `have` (`repository:a:pull,push`). */
function covered(have: string[], scope: string): boolean {
  const cut = scope.lastIndexOf(':');
  const name = scope.slice(0, cut);
  const actions = scope.slice(cut + 1).split(',');
  return have.some((h) => {
    const hc = h.lastIndexOf(':');
    if (h.slice(0, hc) !== name) return false;
    const ha = h.slice(hc + 1).split(',');
    return actions.every((a) => ha.includes(a) || ha.includes('*'));
  });
}
