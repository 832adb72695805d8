import { createPrivateKey, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { exec } from './exec.js';

export interface TokenRequest {
  user: string | undefined;
  scopes: string[];
  service: string | null;
  /** `basic` (GET, optionally with Basic credentials) or `refresh` (POST refresh_token grant). */
  grant: 'basic' | 'refresh';
}

export interface TokenIssuer {
  realm: string;
  service: string;
  issuer: string;
  rootCertPath: string;
  /** Every token request served, in order (for asserting caching and scopes). */
  requests: TokenRequest[];
  stop(): Promise<void>;
}

export interface TokenIssuerOptions {
  dir: string;
  users: Record<string, string>;
  service: string;
  /** Actions granted to a request without credentials. Default: none. */
  anonymousActions?: string[];
}

/** A root CA and a leaf signing certificate it issued, made with the real openssl (ES256 keys). */
async function makeChain(dir: string): Promise<{ rootCertPath: string; key: KeyObject; leafDer: Buffer }> {
  const p = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await exec('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    p('root.key'),
    '-out',
    p('root.crt'),
    '-subj',
    '/CN=minnow test token root',
    '-days',
    '2',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await exec('openssl', [
    'req',
    ...ec,
    '-keyout',
    p('leaf.key'),
    '-out',
    p('leaf.csr'),
    '-subj',
    '/CN=minnow test token signer',
  ]);
  await writeExt(p('leaf.ext'));
  await exec('openssl', [
    'x509',
    '-req',
    '-in',
    p('leaf.csr'),
    '-CA',
    p('root.crt'),
    '-CAkey',
    p('root.key'),
    '-CAcreateserial',
    '-out',
    p('leaf.crt'),
    '-days',
    '2',
    '-extfile',
    p('leaf.ext'),
  ]);
  const key = createPrivateKey(await readFile(p('leaf.key')));
  const leafDer = new X509Certificate(await readFile(p('leaf.crt'))).raw;
  return { rootCertPath: p('root.crt'), key, leafDer };
}

async function writeExt(path: string): Promise<void> {
  await writeFile(path, 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n');
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** Parses `repository:name:pull,push` (names may hold colons only in registry-host form, which we don't use). */
function parseScope(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const parts = scope.split(':');
  if (parts.length < 3) return undefined;
  const actions = (parts.pop() as string).split(',').filter(Boolean);
  const type = parts.shift() as string;
  return { type, name: parts.join(':'), actions };
}

/**
 * A tiny token server (Docker's token auth spec): GET /token?service=&scope= with optional Basic credentials
 * answers a JWT signed ES256 with an x5c chain ending in the root the registry trusts. Known users get every
 * action they ask for; anonymous requests get `anonymousActions`; wrong credentials get 401.
 */
export async function startTokenIssuer(options: TokenIssuerOptions): Promise<TokenIssuer> {
  const { rootCertPath, key, leafDer } = await makeChain(options.dir);
  const issuer = 'minnow-test-issuer';
  const requests: TokenRequest[] = [];
  const server: Server = createServer((req, res) => {
    if (req.method === 'POST') {
      // OAuth2 refresh-token grant (an `identitytoken` in the Docker config): the form carries the parameters.
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString());
        const refresh = form.get('refresh_token') ?? '';
        const user = Object.keys(options.users).find((u) => `refresh-${u}` === refresh);
        if (form.get('grant_type') !== 'refresh_token' || !user) {
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
          return;
        }
        issue(res, user, form.getAll('scope'), form.get('service'), 'refresh');
      });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    let user: string | undefined;
    const authz = req.headers.authorization;
    if (authz?.startsWith('Basic ')) {
      const [u, ...rest] = Buffer.from(authz.slice(6), 'base64').toString().split(':');
      if (!u || options.users[u] !== rest.join(':')) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'incorrect username or password' }] }),
        );
        return;
      }
      user = u;
    }
    issue(res, user, url.searchParams.getAll('scope'), url.searchParams.get('service'), 'basic');
  });
  const issue = (
    res: ServerResponse,
    user: string | undefined,
    rawScopes: string[],
    service: string | null,
    grant: TokenRequest['grant'],
  ): void => {
    const scopes = rawScopes.flatMap((s) => s.split(' ')).filter(Boolean);
    requests.push({ user, scopes, service, grant });
    const access = scopes
      .map(parseScope)
      .filter((s): s is NonNullable<typeof s> => s !== undefined)
      .map((s) => ({
        type: s.type,
        name: s.name,
        actions: user ? s.actions : s.actions.filter((a) => (options.anonymousActions ?? []).includes(a)),
      }));
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'ES256', typ: 'JWT', x5c: [leafDer.toString('base64')] };
    const claims = {
      iss: issuer,
      sub: user ?? '',
      aud: options.service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
    const token = `${signingInput}.${b64url(signature)}`;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }),
    );
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service: options.service,
    issuer,
    rootCertPath,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
