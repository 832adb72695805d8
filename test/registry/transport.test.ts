import { mkdir, writeFile } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';
import type { Duplex } from 'node:stream';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullImage } from '../../src/base/registry.js';
import { pushImage } from '../../src/publish/registry.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { testImage } from '../helpers/images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { saveEnv } from '../helpers/env.js';
import { tempDir } from '../helpers/tmp.js';
import { selfSignedCert } from '../helpers/tls.js';

/** An HTTP CONNECT proxy on 127.0.0.1; `admit` sees each CONNECT and may refuse it with a status line. */
async function startConnectProxy(
  admit: (req: IncomingMessage) => string | undefined = () => undefined,
): Promise<{ url: string; close: () => void }> {
  const proxy = createHttpServer();
  proxy.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = admit(req);
    if (refusal) {
      socket.end(`${refusal}\r\n\r\n`);
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const up = connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, close: () => proxy.close() };
}

describe('redirects and proxies', () => {
  let reg: TestRegistry;
  let front: FaultProxy;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let digest: string;
  beforeAll(async () => {
    reg = await startRegistry({ auth: 'htpasswd' });
    front = await startFaultProxy(reg.host);
    dir = await tempDir();
    env = { ...process.env, DOCKER_CONFIG: join(dir, 'docker') };
    await mkdir(join(dir, 'docker'), { recursive: true });
    await writeFile(
      join(dir, 'docker', 'config.json'),
      JSON.stringify({
        auths: { [front.host]: { auth: Buffer.from('minnow:s3cret-pass').toString('base64') } },
      }),
    );
    const image = await testImage(dir, [{ type: 'file', path: '/r', source: Buffer.from('redirected') }]);
    digest = (await pushImage(`${front.host}/redirect/app:v1`, { kind: 'image', image }, { env })).digest;
  });
  afterAll(async () => {
    await front?.stop();
    await reg?.stop();
  });

  it('follows a blob redirect to storage on another host without sending the Authorization header there', async () => {
    const seen: IncomingHttpHeaders[] = [];
    // "Storage": another origin that serves blobs by fetching them from the registry with the right credentials.
    const storage = createHttpServer((req, res) => {
      seen.push(req.headers);
      const up = request(
        {
          host: '127.0.0.1',
          port: reg.port,
          path: req.url,
          headers: { authorization: `Basic ${Buffer.from('minnow:s3cret-pass').toString('base64')}` },
        },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.end();
    });
    await new Promise<void>((r) => storage.listen(0, '127.0.0.1', r));
    const storageHost = `127.0.0.1:${(storage.address() as AddressInfo).port}`;
    front.inject = (req) =>
      req.method === 'GET' && req.url?.includes('/blobs/sha256:')
        ? { status: 307, headers: { location: `http://${storageHost}${req.url}` } }
        : undefined;
    try {
      const pulled = await pullImage(`${front.host}/redirect/app@${digest}`, { env, cacheDir: false });
      if (pulled.target.kind !== 'image') throw new Error('want image');
      for (const layer of await pulled.target.image.layers()) for await (const _ of await layer.compressed());
      expect(seen.length).toBeGreaterThanOrEqual(2);
      for (const h of seen) expect(h.authorization).toBeUndefined();
    } finally {
      front.inject = () => undefined;
      storage.close();
    }
  });

  it('tunnels TLS through an HTTPS_PROXY that wants credentials, which only the proxy gets', async () => {
    const tls = await selfSignedCert(dir, '127.0.0.1');
    const secure = await startFaultProxy(reg.host, { tls });
    const config = join(dir, 'docker-tls');
    await mkdir(config, { recursive: true });
    const login = { auth: Buffer.from('minnow:s3cret-pass').toString('base64') };
    await writeFile(join(config, 'config.json'), JSON.stringify({ auths: { [secure.host]: login } }));
    const tlsEnv = { ...env, DOCKER_CONFIG: config };
    const auths: (string | undefined)[] = [];
    const proxy = await startConnectProxy((req) => {
      auths.push(req.headers['proxy-authorization']);
      return req.headers['proxy-authorization'] === `Basic ${Buffer.from('pu:pp').toString('base64')}`
        ? undefined
        : 'HTTP/1.1 407 Proxy Authentication Required';
    });
    const port = new URL(proxy.url).port;
    const restore = saveEnv('HTTPS_PROXY', 'NO_PROXY');
    try {
      delete process.env.NO_PROXY;
      process.env.HTTPS_PROXY = `http://pu:pp@127.0.0.1:${port}`;
      const via = await pullImage(`${secure.host}/redirect/app:v1`, { env: tlsEnv, cacheDir: false });
      expect(via.digest).toBe(digest);
      expect(secure.seen.length).toBeGreaterThan(0);
      expect(auths.length).toBeGreaterThan(0);
      expect(new Set(auths)).toEqual(new Set([`Basic ${Buffer.from('pu:pp').toString('base64')}`]));
      process.env.HTTPS_PROXY = `http://127.0.0.1:${port}`;
      const refused = await pullImage(`${secure.host}/redirect/app:v1`, {
        env: tlsEnv,
        cacheDir: false,
        retry: { retries: 0 },
      }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'NETWORK' });
      expect((refused as Error).message).toContain('HTTP 407');
    } finally {
      restore();
      proxy.close();
      await secure.stop();
    }
  });

  it('goes through HTTP(S)_PROXY, and NO_PROXY bypasses it', async () => {
    const tunnels: string[] = [];
    const proxy = await startConnectProxy((req) => {
      tunnels.push(req.url ?? '');
      return undefined;
    });
    const proxyUrl = proxy.url;
    const restore = saveEnv('HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY');
    try {
      process.env.HTTP_PROXY = proxyUrl;
      process.env.HTTPS_PROXY = proxyUrl;
      delete process.env.NO_PROXY;
      const via = await pullImage(`${front.host}/redirect/app:v1`, { env, cacheDir: false });
      expect(via.digest).toBe(digest);
      expect(tunnels).toContain(front.host);
      const count = tunnels.length;
      process.env.NO_PROXY = '127.0.0.1';
      const direct = await pullImage(`${front.host}/redirect/app:v1`, { env, cacheDir: false });
      expect(direct.digest).toBe(digest);
      expect(tunnels).toHaveLength(count);
    } finally {
      restore();
      proxy.close();
    }
  });
});

describe('many requests in flight on one signal', () => {
  it('print no MaxListenersExceededWarning (a two-platform signed push has more than 10 at once)', async () => {
    // A registry that answers every manifest HEAD with 404 after 30 ms, so that all 24 are in flight at once.
    const server = createHttpServer((req, res) => {
      setTimeout(() => {
        res.writeHead(req.url === '/v2/' ? 200 : 404, { 'content-length': '0' });
        res.end();
      }, 30);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    const { RegistryClient } = await import('../../src/registry/client.js');
    const controller = new AbortController();
    const client = new RegistryClient({ signal: controller.signal });
    try {
      const repo = { registry: host, repository: 'many/heads' };
      const answers = await Promise.all(
        Array.from({ length: 24 }, (_, i) => client.headManifest(repo, `t${i}`)),
      );
      expect(answers.every((a) => a === undefined)).toBe(true);
      // Warnings are emitted on the next tick.
      await new Promise((r) => setImmediate(r));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await client.close();
      server.close();
    }
  });
});
