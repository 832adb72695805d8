import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from '../../src/build/build.js';
import { createSink, hostImage } from '../../src/publish/sinks/index.js';
import { assertValid } from '../../src/oci/index.js';
import { runServer, httpGetWhenUp } from '../helpers/docker.js';
import { exec } from '../helpers/exec.js';
import { tempDir } from '../helpers/tmp.js';
import { imageEntries } from './image-files.js';

const GOAPPS = join(import.meta.dirname, '..', 'fixtures', 'goapps');
const images: string[] = [];
afterAll(async () => {
  for (const i of images) await exec('docker', ['rmi', '-f', i]).catch(() => undefined);
});

async function load(target: Awaited<ReturnType<typeof build>>['target'], name: string): Promise<string> {
  const tag = randomBytes(4).toString('hex');
  const ref = `minnow-test-resolve/${name}:${tag}`;
  images.push(ref);
  await createSink(`daemon:minnow-test-resolve/${name}:${tag}`).write(target, {
    name: { name, tag: 'latest' },
  });
  return ref;
}

describe('several binaries, --data and files in one image (real go, real Engine)', () => {
  it('puts each binary at /app/<name>, starts the one --entrypoint names, and serves /app/data read-only', async () => {
    const result = await build({
      dir: GOAPPS,
      packages: ['./cmd/alpha', './cmd/gamma'],
      entrypoint: ['gamma'],
      data: 'static',
      files: [{ src: 'go.mod', dst: '/etc/goapps/go.mod', mode: '0440' }],
      cacheDir: await tempDir(),
    });
    const { image } = await hostImage(result.target);
    await assertValid(image);
    expect(result.images[0]?.binaries.map((b) => b.imagePath)).toEqual(['/app/alpha', '/app/gamma']);
    const config = await image.configFile();
    expect(config.config?.Entrypoint).toEqual(['/app/gamma']);
    expect(config.config?.Env).toContain('MINNOW_DATA_PATH=/app/data');
    const entries = await imageEntries(image);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    expect(byPath.get('/app/data/greeting.txt')).toMatchObject({
      type: 'file',
      mode: '0444',
      uid: 0,
      gid: 0,
    });
    expect(byPath.get('/app/data/img')).toMatchObject({ type: 'directory', mode: '0555', uid: 0 });
    expect(byPath.get('/app/data/img/logo.png')).toMatchObject({ mode: '0444' });
    expect(byPath.get('/etc/goapps/go.mod')).toMatchObject({ mode: '0440', uid: 0 });
    expect(byPath.get('/app/alpha')).toMatchObject({ mode: '0555' });

    const ref = await load(result.target, 'multi');
    const server = await runServer(ref);
    try {
      expect(await httpGetWhenUp(server.port)).toBe('gamma hello from data');
      expect(await server.uid()).toBe(65532);
    } finally {
      await server.stop();
    }
    // The other binary is there and runs too.
    const once = await exec('docker', [
      'run',
      '--rm',
      '--network',
      'none',
      '--entrypoint',
      '/app/alpha',
      ref,
      '-once',
    ]);
    expect(once.trim()).toBe('alpha');
  });

  it('gives the same digest with --data from two copies of the module', async () => {
    const root = await tempDir();
    const { cp } = await import('node:fs/promises');
    const a = join(root, 'a', 'goapps');
    const b = join(root, 'b', 'x', 'goapps');
    await cp(GOAPPS, a, { recursive: true });
    await cp(GOAPPS, b, { recursive: true });
    const opts = { packages: ['./cmd/gamma'], data: 'static', cacheDir: join(root, 'cache') };
    const ra = await build({ dir: a, ...opts });
    const rb = await build({ dir: b, ...opts });
    expect(rb.digest).toBe(ra.digest);
  });

  it('refuses an --entrypoint that names no binary, listing the ones there are', async () => {
    await expect(
      build({
        dir: GOAPPS,
        packages: ['./cmd/alpha', './cmd/beta'],
        entrypoint: ['gamma'],
        cacheDir: await tempDir(),
      }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', hint: expect.stringContaining('alpha, beta') });
  });
});
