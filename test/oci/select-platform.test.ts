import { describe, expect, it } from 'vitest';
import { emptyImage, indexOf, selectPlatform, type Platform } from '../../src/oci/index.js';
import { failure } from '../helpers/failure.js';

const amd64: Platform = { os: 'linux', architecture: 'amd64' };
const arm64: Platform = { os: 'linux', architecture: 'arm64' };
const armv6: Platform = { os: 'linux', architecture: 'arm', variant: 'v6' };
const attestation: Platform = { os: 'unknown', architecture: 'unknown' };

async function index(...platforms: Platform[]) {
  const entries = platforms.map((platform) => ({ image: emptyImage(platform), platform }));
  return { kind: 'index' as const, index: await indexOf(entries) };
}
const archOf = async (p: Promise<{ configFile(): Promise<{ architecture: string; variant?: string }> }>) => {
  const c = await (await p).configFile();
  return [c.architecture, c.variant].filter(Boolean).join('/');
};

describe('selectPlatform', () => {
  it('a single image: strict checks its config, a default takes it as it is', async () => {
    const image = { kind: 'image' as const, image: emptyImage(amd64) };
    expect(await archOf(selectPlatform(image, amd64, { strict: true }))).toBe('amd64');
    expect(await archOf(selectPlatform(image, arm64, { strict: false }))).toBe('amd64');
    const err = await failure(selectPlatform(image, arm64, { strict: true, subject: 'oci:x' }));
    expect(err).toMatchObject({
      code: 'PLATFORM_NOT_FOUND',
      message: 'oci:x has no linux/arm64 image; it has linux/amd64',
      details: { platforms: ['linux/amd64'] },
    });
  });

  it('an index: arm64 ≡ arm64/v8, attestation entries are not platforms', async () => {
    const target = await index(amd64, { ...arm64, variant: 'v8' }, attestation);
    expect(await archOf(selectPlatform(target, arm64, { strict: true }))).toBe('arm64/v8');
    expect(await archOf(selectPlatform(target, { ...arm64, variant: 'v8' }, { strict: true }))).toBe(
      'arm64/v8',
    );
    const err = await failure(
      selectPlatform(target, { os: 'linux', architecture: 's390x' }, { strict: true }),
    );
    expect(err.message).toBe('the image has no linux/s390x image; it has linux/amd64, linux/arm64/v8');
  });

  it('strict wants the variant; a default falls back to the same os/arch, then to the only platform', async () => {
    const target = await index(armv6, attestation);
    const arm: Platform = { os: 'linux', architecture: 'arm' }; // means arm/v7
    expect((await failure(selectPlatform(target, arm, { strict: true }))).code).toBe('PLATFORM_NOT_FOUND');
    expect(await archOf(selectPlatform(target, arm, { strict: false }))).toBe('arm/v6');
    expect(await archOf(selectPlatform(target, amd64, { strict: false }))).toBe('arm/v6');
    const two = await index(armv6, arm64);
    expect((await failure(selectPlatform(two, amd64, { strict: false }))).message).toBe(
      'the image has no linux/amd64 image; it has linux/arm/v6, linux/arm64',
    );
  });
});
