import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveBase, selectPlatform, splitOciSpec } from '../../src/base/resolve.js';
import { writeLayout } from '../../src/publish/layout.js';
import { tempDir } from '../helpers/tmp.js';
import { testImage } from '../helpers/images.js';

const amd64 = { os: 'linux', architecture: 'amd64' };
const arm64 = { os: 'linux', architecture: 'arm64' };

describe('resolveBase', () => {
  it('synthesizes built-ins for the requested platforms and picks one with selectPlatform', async () => {
    const cacheDir = await tempDir();
    const target = await resolveBase('static', { platforms: [amd64, arm64], cacheDir });
    expect(target.kind).toBe('index');
    const image = await selectPlatform(target, { ...arm64, variant: 'v8' });
    expect((await image.configFile()).architecture).toBe('arm64');
    await expect(selectPlatform(target, { os: 'linux', architecture: 's390x' })).rejects.toMatchObject({
      code: 'PLATFORM_NOT_FOUND',
      hint: 'it has: linux/amd64, linux/arm64',
    });
  });

  it('reads an OCI layout base, by tag', async () => {
    const dir = await tempDir();
    const image = await testImage(dir, [{ type: 'file', path: '/etc/hello', source: Buffer.from('hi') }]);
    await writeLayout(join(dir, 'layout'), { kind: 'image', image }, { tag: 'v1' });
    const target = await resolveBase(`oci:${join(dir, 'layout')}:v1`);
    expect(target.kind).toBe('image');
    const picked = await selectPlatform(
      target,
      (await image.configFile()).architecture === 'amd64' ? amd64 : arm64,
    );
    expect(await picked.digest()).toBe(await image.digest());
  });

  it('refuses an unknown base in one line, with the accepted forms', async () => {
    // Anything that parses as an image reference (ubuntu-ish) is a registry base now; this cannot be one.
    await expect(resolveBase('ubuntu ish!')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'unknown base "ubuntu ish!"',
    });
  });

  it('splits oci:DIR[:TAG]', () => {
    expect(splitOciSpec('out/app:v1')).toEqual({ dir: 'out/app', tag: 'v1' });
    expect(splitOciSpec('out/app')).toEqual({ dir: 'out/app' });
    expect(splitOciSpec('/a:b/c')).toEqual({ dir: '/a:b/c' });
  });
});
