import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analyze/analyze.js';
import { openImage } from '../../src/analyze/open.js';
import { indexOf } from '../../src/oci/index.js';
import { pushImage } from '../../src/publish/registry.js';
import { alpineBase } from '../helpers/fixture-images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

describe('analyze a registry reference', () => {
  let registry: TestRegistry;
  const savedCache = process.env.MINNOW_CACHE_DIR;
  beforeAll(async () => {
    process.env.MINNOW_CACHE_DIR = await tempDir();
    registry = await startRegistry();
    const index = await indexOf([
      { image: await alpineBase('amd64'), platform: { os: 'linux', architecture: 'amd64' } },
      { image: await alpineBase('arm64'), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    ]);
    await pushImage(`${registry.host}/minnow-test/alpine:3.19`, { kind: 'index', index });
  }, 120_000);
  afterAll(async () => {
    await registry?.stop();
    if (savedCache === undefined) delete process.env.MINNOW_CACHE_DIR;
    else process.env.MINNOW_CACHE_DIR = savedCache;
  });

  it('pulls, picks the platform and analyzes what the registry serves', async () => {
    const ref = `${registry.host}/minnow-test/alpine:3.19`;
    const amd64 = await analyzeImage(
      await openImage(ref, { platform: { os: 'linux', architecture: 'amd64' } }),
    );
    const arm64 = await analyzeImage(
      await openImage(ref, { platform: { os: 'linux', architecture: 'arm64' } }),
    );
    expect(amd64.platform.architecture).toBe('amd64');
    expect(arm64.platform).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(amd64.digest).toBe(await (await alpineBase('amd64')).digest());
    expect(amd64.packages).toHaveLength(15);
    expect(arm64.packages.find((p) => p.name === 'musl')?.arch).toBe('aarch64');
    expect(arm64.files.elfBinaries).toBeGreaterThan(5);
    await expect(openImage(ref, { platform: { os: 'linux', architecture: 's390x' } })).rejects.toMatchObject({
      code: 'PLATFORM_NOT_FOUND',
    });
  });
});
