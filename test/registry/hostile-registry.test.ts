import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullImage } from '../../src/base/registry.js';
import { formatError } from '../../src/cli/exit.js';
import { sha256, type Image } from '../../src/oci/index.js';
import { writeLayout } from '../../src/publish/layout.js';
import { pushImage } from '../../src/publish/registry.js';
import { RegistryClient } from '../../src/registry/client.js';
import { plain } from '../cli/build-helpers.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { failure } from '../helpers/failure.js';
import { testImage } from '../helpers/images.js';
import { DEFAULT_USERS, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'minnow.cjs');
const fast = { retry: { retries: 3, baseDelayMs: 20, maxDelayMs: 200 } };

async function readAll(image: Image): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const layer of await image.layers()) {
    const chunks: Buffer[] = [];
    for await (const c of await layer.compressed()) chunks.push(c as Buffer);
    out.push(Buffer.concat(chunks));
  }
  return out;
}

function oneLine(err: unknown): string {
  const text = plain(formatError(err));
  return text.split('\n')[0] as string;
}

describe('a hostile or failing registry: bounded waits, resumed downloads, the network blamed', () => {
  let reg: TestRegistry;
  let proxy: FaultProxy;
  let dir: string;
  let image: Image;
  let layerDigest: string;
  beforeAll(async () => {
    reg = await startRegistry();
    proxy = await startFaultProxy(reg.host);
    dir = await tempDir();
    // Random bytes: the gzip layer is as large as the file, so bodies span many chunks.
    image = await testImage(dir, [{ type: 'file', path: '/blob', source: randomBytes(600_000) }]);
    layerDigest = (await (await image.layers())[0]!.digest()) as string;
    await pushImage(`${reg.host}/hostile/app:v1`, { kind: 'image', image });
  });
  afterAll(async () => {
    await proxy?.stop();
    await reg?.stop();
  });

  const isLayerGet = (method?: string, url?: string): boolean =>
    method === 'GET' && !!url?.includes(`/blobs/${layerDigest}`);

  it('a body cut mid-way is resumed with a Range request and verifies', async () => {
    let cuts = 0;
    proxy.tamper = (req) =>
      isLayerGet(req.method, req.url) && !req.headers.range && cuts++ < 1 ? { cutAfter: 100_000 } : undefined;
    const client = new RegistryClient(fast);
    const pulled = await pullImage(`${proxy.host}/hostile/app:v1`, { client, cacheDir: false });
    const [blob] = await readAll((pulled.target as { image: Image }).image);
    proxy.tamper = () => undefined;
    await client.close();
    expect(cuts).toBe(1);
    expect(sha256(blob!)).toBe(layerDigest);
  });

  it('a stalled body is resumed after the idle timeout', async () => {
    let stalls = 0;
    proxy.tamper = (req) =>
      isLayerGet(req.method, req.url) && !req.headers.range && stalls++ < 1
        ? { stallAfter: 50_000 }
        : undefined;
    const client = new RegistryClient({ ...fast, bodyTimeoutMs: 500 });
    const pulled = await pullImage(`${proxy.host}/hostile/app:v1`, { client, cacheDir: false });
    const [blob] = await readAll((pulled.target as { image: Image }).image);
    proxy.tamper = () => undefined;
    await client.close();
    expect(stalls).toBe(1);
    expect(sha256(blob!)).toBe(layerDigest);
  });

  it('a connection cut every time fails with one line naming the blob and the network', async () => {
    proxy.tamper = (req) => (isLayerGet(req.method, req.url) ? { cutAfter: 10_000 } : undefined);
    const client = new RegistryClient(fast);
    const pulled = await pullImage(`${proxy.host}/hostile/app:v1`, { client, cacheDir: false });
    const err = await failure(readAll((pulled.target as { image: Image }).image));
    proxy.tamper = () => undefined;
    await client.close();
    expect(err.code).toBe('NETWORK');
    expect(oneLine(err)).toMatch(
      new RegExp(
        `^error: the connection was lost downloading ${proxy.host}/hostile/app@${layerDigest} after \\d+ bytes, 3 resumes failed`,
      ),
    );
  });

  it('a trickle is cut off by the size-scaled deadline', async () => {
    proxy.tamper = (req) => (isLayerGet(req.method, req.url) ? { bytesPerSecond: 20_000 } : undefined);
    const client = new RegistryClient({ ...fast, timeouts: { idleMs: 1000, minBytesPerSecond: 600_000 } });
    const pulled = await pullImage(`${proxy.host}/hostile/app:v1`, { client, cacheDir: false });
    const started = Date.now();
    const err = await failure(readAll((pulled.target as { image: Image }).image));
    proxy.tamper = () => undefined;
    await client.close();
    expect(Date.now() - started).toBeLessThan(6000);
    expect(err.code).toBe('NETWORK');
    expect(oneLine(err)).toMatch(
      /^error: downloading .*hostile\/app@sha256:[0-9a-f]{64} is too slow: \d+ of \d+ bytes after 2 s/,
    );
  });

  it('a registry that accepts connections and never answers fails within the retry budget, naming the host', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const client = new RegistryClient({
      connectTimeoutMs: 1000,
      headersTimeoutMs: 1000,
      timeouts: { retryBudgetMs: 2500 },
    });
    const started = Date.now();
    const err = await failure(pullImage(`127.0.0.1:${port}/x/y:v1`, { client, cacheDir: false }));
    const took = Date.now() - started;
    for (const s of sockets) s.destroy();
    silent.close();
    await client.close();
    expect(took).toBeLessThan(6000);
    expect(err.code).toBe('NETWORK');
    expect(oneLine(err)).toBe(
      `error: registry 127.0.0.1:${port} did not complete a connection (TCP and TLS handshake) within 1 s`,
    );
  });

  it.each(['POST', 'PATCH', 'PUT'])(
    '5xx and 429 on the upload %s are retried and the push completes',
    async (step) => {
      const small = await testImage(dir, [
        { type: 'file', path: `/step-${step}`, source: randomBytes(40_000) },
      ]);
      let injected = 0;
      proxy.inject = (req) => {
        if (req.method !== step || !req.url?.includes('/blobs/uploads/') || injected >= 2) return undefined;
        injected++;
        return injected === 1
          ? { status: 503, body: '{"errors":[{"code":"UNAVAILABLE","message":"x"}]}' }
          : {
              status: 429,
              headers: { 'retry-after': '0' },
              body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"x"}]}',
            };
      };
      const res = await pushImage(
        `${proxy.host}/hostile/steps-${step.toLowerCase()}:v1`,
        { kind: 'image', image: small },
        {
          ...fast,
          monolithicMaxBytes: 1024,
          chunkBytes: 16 * 1024,
        },
      );
      proxy.inject = () => undefined;
      expect(injected).toBe(2);
      expect(res.digest).toBe(await small.digest());
      const back = await pullImage(`${reg.host}/hostile/steps-${step.toLowerCase()}:v1`, { cacheDir: false });
      expect(back.digest).toBe(res.digest);
    },
  );

  it('a connection reset mid-upload is retried and the push completes', async () => {
    const small = await testImage(dir, [{ type: 'file', path: '/reset', source: randomBytes(40_000) }]);
    let resets = 0;
    proxy.tamper = (req) => {
      if (req.method !== 'PATCH' || resets >= 1) return undefined;
      resets++;
      return { reset: true };
    };
    const res = await pushImage(
      `${proxy.host}/hostile/reset:v1`,
      { kind: 'image', image: small },
      {
        ...fast,
        monolithicMaxBytes: 1024,
        chunkBytes: 16 * 1024,
      },
    );
    proxy.tamper = () => undefined;
    expect(resets).toBe(1);
    expect(res.digest).toBe(await small.digest());
  });
});

describe('credentials stay with their registry', () => {
  let reg: TestRegistry;
  let proxy: FaultProxy;
  beforeAll(async () => {
    reg = await startRegistry({ auth: 'htpasswd' });
    proxy = await startFaultProxy(reg.host);
  });
  afterAll(async () => {
    await proxy?.stop();
    await reg?.stop();
  });

  it('an upload Location on another host gets no Authorization header', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const foreign = createHttpServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      res.writeHead(500).end('{"errors":[{"code":"UNKNOWN","message":"foreign"}]}');
    });
    await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', r));
    const foreignHost = `localhost:${(foreign.address() as { port: number }).port}`;
    proxy.inject = (req) =>
      req.method === 'POST' && req.url?.includes('/blobs/uploads/')
        ? { status: 202, headers: { location: `http://${foreignHost}/upload/1?_state=x` } }
        : undefined;
    const dir = await tempDir();
    const small = await testImage(dir, [{ type: 'file', path: '/secret', source: Buffer.from('x') }]);
    const [user, pass] = Object.entries(DEFAULT_USERS)[0]!;
    const err = await failure(
      pushImage(
        `${proxy.host}/creds/app:v1`,
        { kind: 'image', image: small },
        {
          credential: { username: user, password: pass },
          retry: { retries: 1, baseDelayMs: 5, maxDelayMs: 10 },
        },
      ),
    );
    proxy.inject = () => undefined;
    foreign.close();
    expect(err.code).toBe('REGISTRY_ERROR');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((h) => h.authorization !== undefined)).toEqual([]);
  });
});

describe('signals stop an upload: exit 130/143, one line, no tag', () => {
  let reg: TestRegistry;
  let proxy: FaultProxy;
  let layout: string;
  beforeAll(async () => {
    reg = await startRegistry();
    proxy = await startFaultProxy(reg.host);
    const dir = await tempDir();
    const image = await testImage(dir, [{ type: 'file', path: '/big', source: randomBytes(300_000) }]);
    layout = join(dir, 'layout');
    await writeLayout(layout, { kind: 'image', image }, { tag: 'v1' });
  });
  afterAll(async () => {
    await proxy?.stop();
    await reg?.stop();
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('minnow push stopped by %s mid-upload exits %i', async (sig, status) => {
    proxy.tamper = (req) =>
      (req.method === 'PUT' || req.method === 'PATCH') && req.url?.includes('/blobs/uploads/')
        ? { holdRequest: true }
        : undefined;
    const repo = `signals/${sig.toLowerCase()}`;
    const child = spawn(
      process.execPath,
      [BIN, 'push', `oci:${layout}:v1`, `${proxy.host}/${repo}:v1`, '--quiet'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (const until = Date.now() + 30_000; Date.now() < until;) {
      if (proxy.seen.some((s) => /^(PUT|PATCH) /.test(s) && s.includes(repo))) break;
      await sleep(50);
    }
    child.kill(sig);
    const code = await exited;
    proxy.tamper = () => undefined;
    expect(plain(stderr)).toBe(`error: interrupted by ${sig}\n`);
    expect(code).toBe(status);
    const tag = await fetch(`${reg.url}/v2/${repo}/manifests/v1`, { method: 'HEAD' });
    expect(tag.status).toBe(404);
  });
});
