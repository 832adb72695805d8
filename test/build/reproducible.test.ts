import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from '../../src/build/build.js';
import { verifyReproducible } from '../../src/build/verify-reproducible.js';
import { formatPlatform } from '../../src/oci/index.js';
import { tempDir } from '../helpers/tmp.js';

const GOAPPS = join(import.meta.dirname, '..', 'fixtures', 'goapps');
const PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
];

describe('reproducible builds (real go, real git)', () => {
  it('two clones at the same commit in different paths give the same digest for every platform', async () => {
    const cacheDir = await tempDir();
    const options = {
      dir: GOAPPS,
      packages: ['./cmd/alpha', './cmd/gamma'],
      platforms: PLATFORMS,
      data: 'static',
      ldflags: '-X main.unused=x',
      cacheDir,
    };
    const verified = await verifyReproducible({ build, options });
    expect(verified.result.target.kind).toBe('index');
    // And the same as building right here, in the work tree: the copies stand for any other machine.
    const here = await build(options);
    expect(verified.digest).toBe(here.digest);
    const perPlatform = async (r: typeof here) =>
      Promise.all(r.images.map(async (i) => `${formatPlatform(i.platform)} ${await i.image.digest()}`));
    expect(await perPlatform(verified.result)).toEqual(await perPlatform(here));
    expect((await perPlatform(here)).map((l) => l.split(' ')[0])).toEqual([
      'linux/amd64',
      'linux/arm64',
      'linux/arm/v7',
    ]);
  });
});
