import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STATIC_ALL_PLATFORMS } from '../../src/build/all-platforms.js';
import { build } from '../../src/build/build.js';
import { formatPlatform, indexOf, validateIndex } from '../../src/oci/index.js';
import { writeLayout } from '../../src/publish/layout.js';
import { HELLO_DIR } from '../go/go-fixtures.js';
import { exec } from '../helpers/exec.js';
import { tempDir } from '../helpers/tmp.js';
import { alpineImage } from '../registry/fixtures.js';

describe("build({ platforms: 'all' })", () => {
  it('builds the common Linux set on scratch, each platform a binary of its own', async () => {
    // What this Go builds for Linux: the set is limited to it, so read it the same way to compare.
    const ports = JSON.parse(await exec('go', ['tool', 'dist', 'list', '-json'])) as {
      GOOS: string;
      GOARCH: string;
    }[];
    const linux = new Set(ports.filter((p) => p.GOOS === 'linux').map((p) => p.GOARCH));
    const expected = STATIC_ALL_PLATFORMS.filter((p) => linux.has(p.architecture)).map(formatPlatform);
    expect(expected).toEqual(
      expect.arrayContaining(['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/ppc64le', 'linux/s390x']),
    );

    const result = await build({ dir: HELLO_DIR, base: 'scratch', platforms: 'all' });
    expect(result.target.kind).toBe('index');
    if (result.target.kind !== 'index') return;
    await validateIndex(result.target.index);
    const listed = (await result.target.index.indexManifest()).manifests.map((d) =>
      formatPlatform(d.platform!),
    );
    expect(listed).toEqual(expected);
    // Each binary was compiled for its own platform: no two are the same file.
    const sizes = new Set(result.images.map((i) => `${i.binaries[0]?.size}`));
    expect(sizes.size).toBeGreaterThan(expected.length / 2);
  });

  it("takes an index base's platforms (skipping attestations and other systems), and an image base's own", async () => {
    const dir = await tempDir();
    const amd64 = await alpineImage('amd64');
    const arm64 = await alpineImage('arm64');
    const index = await indexOf([
      { image: amd64, platform: { os: 'linux', architecture: 'amd64' } },
      { image: arm64, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      {
        image: arm64,
        platform: { os: 'unknown', architecture: 'unknown' },
        annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
      },
      { image: amd64, platform: { os: 'windows', architecture: 'amd64' } },
    ]);
    await writeLayout(join(dir, 'index'), { kind: 'index', index });
    const fromIndex = await build({ dir: HELLO_DIR, base: `oci:${join(dir, 'index')}`, platforms: 'all' });
    expect(fromIndex.images.map((i) => formatPlatform(i.platform))).toEqual([
      'linux/amd64',
      'linux/arm64/v8',
    ]);

    await writeLayout(join(dir, 'image'), { kind: 'image', image: arm64 });
    const fromImage = await build({ dir: HELLO_DIR, base: `oci:${join(dir, 'image')}`, platforms: 'all' });
    expect(fromImage.target.kind).toBe('image');
    // The image's own platform, from its config (this alpine says arm64/v8).
    expect(fromImage.images.map((i) => formatPlatform(i.platform))).toEqual(['linux/arm64/v8']);
  });
});
