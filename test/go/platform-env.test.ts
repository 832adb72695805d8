import { describe, expect, it } from 'vitest';
import { canonicalPlatform, goEnvironment, platformGoEnv } from '../../src/go/platform-env.js';
import { isMinnowError } from '../../src/errors.js';

describe('platformGoEnv', () => {
  it('maps arm variants to GOARM and defaults arm to v7', () => {
    expect(platformGoEnv({ os: 'linux', architecture: 'arm', variant: 'v6' })).toEqual({
      GOOS: 'linux',
      GOARCH: 'arm',
      GOARM: '6',
    });
    expect(platformGoEnv({ os: 'linux', architecture: 'arm' }).GOARM).toBe('7');
    expect(canonicalPlatform({ os: 'linux', architecture: 'arm' })).toEqual({
      os: 'linux',
      architecture: 'arm',
      variant: 'v7',
    });
  });

  it('maps amd64 variants to GOAMD64 and refuses variants Go cannot build', () => {
    expect(platformGoEnv({ os: 'linux', architecture: 'amd64', variant: 'v3' }).GOAMD64).toBe('v3');
    expect(platformGoEnv({ os: 'linux', architecture: 'arm64', variant: 'v8' })).toEqual({
      GOOS: 'linux',
      GOARCH: 'arm64',
    });
    for (const variant of ['v9', 'v2']) {
      let err: unknown;
      try {
        platformGoEnv({ os: 'linux', architecture: variant === 'v9' ? 'arm' : 'arm64', variant });
      } catch (e) {
        err = e;
      }
      expect(isMinnowError(err, 'INVALID_ARGUMENT')).toBe(true);
    }
  });
});

describe('goEnvironment', () => {
  it('keeps the user environment (GOCACHE included), forces CGO_ENABLED=0 and never downloads a toolchain', () => {
    const env = goEnvironment({
      platform: { os: 'linux', architecture: 'arm64' },
      base: { PATH: '/bin', GOCACHE: '/my/cache', CGO_ENABLED: '1', GOARM: '5' },
      goEnv: { GOEXPERIMENT: 'loopvar' },
    });
    expect(env).toMatchObject({
      PATH: '/bin',
      GOCACHE: '/my/cache',
      CGO_ENABLED: '0',
      GOOS: 'linux',
      GOARCH: 'arm64',
      GOEXPERIMENT: 'loopvar',
      GOTOOLCHAIN: 'path',
    });
    expect(env.GOARM).toBeUndefined();
    expect(
      goEnvironment({ platform: { os: 'linux', architecture: 'amd64' }, base: { GOTOOLCHAIN: 'auto' } })
        .GOTOOLCHAIN,
    ).toBe('auto');
  });

  it('refuses --go-env for the variables minnow owns', () => {
    expect(() =>
      goEnvironment({
        platform: { os: 'linux', architecture: 'amd64' },
        base: {},
        goEnv: { CGO_ENABLED: '1' },
      }),
    ).toThrow(/CGO_ENABLED is set by minnow/);
  });
});
