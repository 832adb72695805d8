import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullImage } from '../../src/base/registry.js';
import { pushImage } from '../../src/publish/registry.js';
import { VERSION } from '../../src/version.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { testImage } from '../helpers/images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

describe('User-Agent (real registry behind a recording proxy)', () => {
  let reg: TestRegistry;
  let front: FaultProxy;
  beforeAll(async () => {
    reg = await startRegistry({ auth: 'htpasswd' });
    front = await startFaultProxy(reg.host);
  });
  afterAll(async () => {
    await front?.stop();
    await reg?.stop();
  });

  it('sends minnow/<version> on every request of a push and a pull', async () => {
    const dir = await tempDir();
    const env = { ...process.env, DOCKER_CONFIG: join(dir, 'docker') };
    await mkdir(join(dir, 'docker'), { recursive: true });
    await writeFile(
      join(dir, 'docker', 'config.json'),
      JSON.stringify({
        auths: { [front.host]: { auth: Buffer.from('minnow:s3cret-pass').toString('base64') } },
      }),
    );
    const agents: string[] = [];
    front.inject = (req) => {
      agents.push(`${req.method} ${req.url} ${req.headers['user-agent'] ?? '(none)'}`);
      return undefined;
    };
    const image = await testImage(dir, [{ type: 'file', path: '/ua', source: Buffer.from('agent') }]);
    await pushImage(`${front.host}/ua/app:v1`, { kind: 'image', image }, { env });
    await pullImage(`${front.host}/ua/app:v1`, { env, cacheDir: join(dir, 'cache') });
    expect(agents.length).toBeGreaterThan(5);
    // Uploads, the manifest push and the pull all went through the proxy.
    for (const kind of [
      /^POST \/v2\/ua\/app\/blobs\/uploads\//,
      /^PUT \/v2\/ua\/app\/manifests\/v1 /,
      /^GET \/v2\/ua\/app\/manifests\/v1 /,
    ])
      expect(
        agents.some((a) => kind.test(a)),
        String(kind),
      ).toBe(true);
    expect(agents.filter((a) => !a.endsWith(` minnow/${VERSION}`))).toEqual([]);
  });
});
