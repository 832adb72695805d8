import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchManifest } from '../../src/resolve/fetch-manifest.js';
import { selfSignedCert } from '../helpers/tls.js';
import { tempDir } from '../helpers/tmp.js';

describe('-f URL (fetchManifest)', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });
  async function listen(s: Server): Promise<number> {
    server = s;
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    return (s.address() as AddressInfo).port;
  }

  it('follows a redirect and returns the text', async () => {
    const port = await listen(
      createHttpServer((req, res) => {
        if (req.url === '/old') res.writeHead(302, { location: '/new' }).end();
        else res.end('kind: ConfigMap\n');
      }),
    );
    expect(await fetchManifest(`http://127.0.0.1:${port}/old`)).toBe('kind: ConfigMap\n');
  });

  it('refuses an answer larger than the bound, and one that never completes, within the bound', async () => {
    const port = await listen(
      createHttpServer((req, res) => {
        if (req.url === '/big') res.end(Buffer.alloc(2048, 'a'));
        else res.write('kind: '); // and never ends
      }),
    );
    await expect(
      fetchManifest(`http://127.0.0.1:${port}/big`, { limits: { maxBytes: 1024 } }),
    ).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
    });
    const started = Date.now();
    await expect(
      fetchManifest(`http://127.0.0.1:${port}/stall`, { limits: { timeoutMs: 500 } }),
    ).rejects.toThrow(`cannot read http://127.0.0.1:${port}/stall: no complete answer within 0.5 s`);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('verifies TLS: a self-signed certificate is refused', async () => {
    const dir = await tempDir();
    const port = await listen(
      createHttpsServer(await selfSignedCert(dir, '127.0.0.1'), (_req, res) => res.end('kind: ConfigMap\n')),
    );
    await expect(fetchManifest(`https://127.0.0.1:${port}/x.yaml`)).rejects.toMatchObject({
      code: 'NETWORK',
      message: expect.stringMatching(
        /^cannot read https:\/\/127\.0\.0\.1:\d+\/x\.yaml: .*(self[- ]signed|certificate)/i,
      ),
    });
  });
});
