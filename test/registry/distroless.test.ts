import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullImage } from '../../src/base/registry.js';
import { assertValid } from '../../src/oci/index.js';
import { pushImage } from '../../src/publish/registry.js';
import { storeCredential } from '../../src/registry/docker-config.js';
import { httpGetWhenUp, runServer } from '../helpers/docker.js';
import { exec } from '../helpers/exec.js';
import { distrolessBase } from '../helpers/fixture-images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { cli } from '../helpers/cli.js';
import { saveEnv } from '../helpers/env.js';

const HELLO = join(import.meta.dirname, '..', '..', 'examples', 'hello');

describe('the distroless-equivalent base through a real registry', () => {
  let reg: TestRegistry;
  let dir: string;
  const restoreEnv = saveEnv('MINNOW_CACHE_DIR', 'DOCKER_CONFIG');
  const dockerTags: string[] = [];
  beforeAll(async () => {
    reg = await startRegistry({ auth: 'htpasswd' });
    dir = await tempDir();
    process.env.MINNOW_CACHE_DIR = join(dir, 'cache');
    process.env.DOCKER_CONFIG = join(dir, 'docker');
    // As `minnow login` would: the library and the docker CLI below both read this file.
    await storeCredential(reg.host, { username: 'minnow', password: 's3cret-pass' });
  });
  afterAll(async () => {
    restoreEnv();
    for (const t of dockerTags) await exec('docker', ['rmi', '-f', t]).catch(() => undefined);
    await reg?.stop();
  });

  it('pushes static-debian12 latest and nonroot; skopeo sees the users; they pull back intact', async () => {
    const latest = await distrolessBase('latest');
    const nonroot = await distrolessBase('nonroot');
    const a = await pushImage(`${reg.host}/distroless/static-debian12:latest`, {
      kind: 'image',
      image: latest,
    });
    const b = await pushImage(`${reg.host}/distroless/static-debian12:nonroot`, {
      kind: 'image',
      image: nonroot,
    });
    // Same layer, different configs: the second push uploads only its config.
    expect(b).toMatchObject({ existing: 1, uploaded: 1 });
    const inspect = JSON.parse(
      await exec('skopeo', [
        'inspect',
        '--config',
        '--tls-verify=false',
        '--creds',
        'minnow:s3cret-pass',
        `docker://${reg.host}/distroless/static-debian12:nonroot`,
      ]),
    ) as { config: { User: string; Env: string[] } };
    expect(inspect.config.User).toBe('65532');
    expect(inspect.config.Env).toContain('SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt');
    const back = await pullImage(`${reg.host}/distroless/static-debian12:latest`, {
      cacheDir: join(dir, 'cache'),
    });
    expect(back.digest).toBe(a.digest);
    if (back.target.kind !== 'image') throw new Error('want image');
    await assertValid(back.target.image);
  });

  it('minnow build --base <registry>/distroless/static-debian12:nonroot --push: docker runs it as 65532', async () => {
    const tag = `${reg.host}/minnow-test-registry/hello-distroless:${randomBytes(4).toString('hex')}`;
    const res = await cli([
      'build',
      HELLO,
      '--base',
      `${reg.host}/distroless/static-debian12:nonroot`,
      '-o',
      `oci:${join(dir, 'out')}`,
      '--push',
      tag,
      '-q',
    ]);
    expect(res.err).toBe('');
    expect(res.status).toBe(0);
    // -q: one line, what was pushed.
    const lines = res.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const digest = lines[0]?.split('@')[1] ?? '';
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(lines[0]).toBe(`${tag.slice(0, tag.lastIndexOf(':'))}@${digest}`);
    // The Engine needs the credentials too: log it in through the same Docker config.
    await exec('docker', ['--config', join(dir, 'docker'), 'pull', '-q', tag]);
    dockerTags.push(tag);
    const server = await runServer(tag);
    try {
      expect(await httpGetWhenUp(server.port)).toBe('Hello from the smallest Go container!');
      expect(await server.uid()).toBe(65532);
    } finally {
      await server.stop();
    }
  });
});
