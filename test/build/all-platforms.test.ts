import { describe, expect, it } from 'vitest';
import { allPlatforms, GO_LINUX_PLATFORMS } from '../../src/build/all-platforms.js';
import { formatPlatform } from '../../src/oci/index.js';
import { multiPlatformBase } from './multi-platform-base.js';

describe('allPlatforms', () => {
  it('is the Go Linux set for the built-in bases', async () => {
    expect((await allPlatforms('static')).map(formatPlatform)).toEqual([
      'linux/amd64',
      'linux/arm64',
      'linux/arm/v7',
      'linux/arm/v6',
      'linux/386',
      'linux/ppc64le',
      'linux/s390x',
      'linux/riscv64',
    ]);
    expect(await allPlatforms('scratch')).toEqual(GO_LINUX_PLATFORMS);
  });

  it('is every Linux platform of another base that Go can build, without attestations or other systems', async () => {
    const base = await multiPlatformBase([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
      { os: 'linux', architecture: 'arm', variant: 'v8' },
      { os: 'windows', architecture: 'amd64' },
      { os: 'unknown', architecture: 'unknown' },
      { os: 'linux', architecture: 'sparc64' },
    ]);
    expect((await allPlatforms(base)).map(formatPlatform)).toEqual([
      'linux/amd64',
      'linux/arm64',
      'linux/arm/v7',
    ]);
  });

  it('says so when a base has no platform Go can build for', async () => {
    const base = await multiPlatformBase([{ os: 'windows', architecture: 'amd64' }]);
    await expect(allPlatforms(base)).rejects.toMatchObject({ code: 'PLATFORM_NOT_FOUND' });
  });
});
