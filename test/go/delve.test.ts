import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMinnowError } from '../../src/errors.js';
import { parseElfHeader } from '../../src/go/elf.js';
import { checkDelvePlatform, delveBinary, DELVE_VERSION } from '../../src/go/delve.js';
import { findGo } from '../../src/go/find-go.js';
import { cacheLayout } from '../../src/util/cache-layout.js';
import { exec } from '../helpers/exec.js';
import { tempDir } from '../helpers/tmp.js';

const EM_AARCH64 = 183;

describe('delveBinary (go install through the module proxy)', () => {
  it(
    'cross-builds a static dlv for linux/arm64 into the cache, once, and leaves no GOPATH behind',
    async () => {
      const go = await findGo();
      const cacheDir = await tempDir();
      const platform = { os: 'linux', architecture: 'arm64' };
      const path = await delveBinary({ go, platform, cacheDir });
      expect(path).toBe(join(cacheLayout(cacheDir).delve(DELVE_VERSION, 'linux-arm64'), 'dlv'));
      const elf = parseElfHeader((await readFile(path)).subarray(0, 4096));
      expect(elf?.machine).toBe(EM_AARCH64);
      // Static (no interpreter) and built from the pinned release.
      expect(elf?.programHeaders.some((p) => p.type === 3 /* PT_INTERP */)).toBe(false);
      const info = await exec(go, ['version', '-m', path]);
      expect(info).toMatch(new RegExp(`mod\\s+github.com/go-delve/delve\\s+${DELVE_VERSION}`));
      expect(info).toContain('GOARCH=arm64');
      expect(info).toContain('-trimpath=true');
      // Built once: the second call finds it (same file), and only dlv is left in its directory.
      const before = await stat(path, { bigint: true });
      expect(await delveBinary({ go, platform, cacheDir })).toBe(path);
      expect((await stat(path, { bigint: true })).ino).toBe(before.ino);
      expect((await exec('ls', ['-A', join(path, '..')])).trim()).toBe('dlv');
    },
    15 * 60_000,
  );

  it('refuses a platform Delve does not run on, naming the ones it does', () => {
    let caught: unknown;
    try {
      checkDelvePlatform({ os: 'linux', architecture: 'arm', variant: 'v7' });
    } catch (err) {
      caught = err;
    }
    expect(isMinnowError(caught, 'INVALID_ARGUMENT')).toBe(true);
    expect((caught as Error).message).toBe('--debug: Delve does not run on linux/arm/v7');
    expect(() => checkDelvePlatform({ os: 'linux', architecture: 'amd64' })).not.toThrow();
  });
});
