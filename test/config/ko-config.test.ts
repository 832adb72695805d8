import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configuredBuild } from '../../src/config/build-options.js';
import { withEnvDefaults } from '../../src/config/env-defaults.js';
import { loadKoConfig, translateKoConfig } from '../../src/config/ko-config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { isMinnowError } from '../../src/errors.js';
import { tempDir } from '../helpers/tmp.js';

const KO_YAML = `
defaultBaseImage: cgr.dev/chainguard/static:latest
defaultPlatforms: [linux/arm64, linux/amd64]
defaultEnv: [GOEXPERIMENT=loopvar]
defaultFlags: [-mod=vendor]
defaultLdflags: ["-X main.built={{.Date}}"]
defaultGoos: linux
builds:
  - id: app
    dir: .
    main: ./cmd/app
    env: [GOPRIVATE=git.example.com]
    flags: [-tags, netgo]
    ldflags: ["-X main.version={{.Git.ShortCommit}}"]
    goarch: arm64
  - id: Tool_One
    dir: ./tools
    main: ./cmd/tool
baseImageOverrides:
  example.com/app/cmd/app: registry.example.com/base/app
  example.com/app/tools/cmd/tool: scratch
  example.com/app/cmd/other: scratch
`;

describe('translateKoConfig', () => {
  it('carries every supported key over and names each unsupported one', async () => {
    const { parse } = await import('yaml');
    const t = translateKoConfig(parse(KO_YAML), '.ko.yaml', 'example.com/app', (d) =>
      d === './tools' ? 'example.com/app/tools' : undefined,
    );
    expect(t.config).toEqual({
      defaults: {
        base: 'cgr.dev/chainguard/static:latest',
        platforms: ['linux/arm64', 'linux/amd64'],
        goEnv: { GOEXPERIMENT: 'loopvar' },
        flags: ['-mod=vendor'],
        ldflags: ['-X main.built={{.Date}}'],
      },
      builds: [
        {
          id: 'app',
          main: './cmd/app',
          goEnv: { GOPRIVATE: 'git.example.com' },
          flags: ['-tags', 'netgo'],
          ldflags: ['-X main.version={{.Git.ShortCommit}}'],
          base: 'registry.example.com/base/app',
        },
        // ko's ids are free text; one that is not a minnow id is dropped, not refused.
        { dir: './tools', main: './cmd/tool', base: 'scratch' },
        { main: 'example.com/app/cmd/other', base: 'scratch' },
      ],
    });
    expect(t.warnings).toEqual([
      '.ko.yaml: defaultGoos is not supported by minnow (ignored)',
      '.ko.yaml: builds[0].goarch is not supported by minnow (ignored)',
    ]);
  });

  it('reads defaultPlatforms: all and an empty file', () => {
    expect(translateKoConfig({ defaultPlatforms: 'all' }, 'k', 'm').config).toEqual({
      defaults: { platforms: 'all' },
    });
    expect(translateKoConfig(null, 'k', 'm')).toEqual({ path: 'k', config: {}, warnings: [] });
  });

  it('refuses values of the wrong shape with the key named', () => {
    const cases: Array<[unknown, string]> = [
      [{ defaultEnv: ['NOEQUALS'] }, 'k: defaultEnv: must be KEY=VALUE entries, not "NOEQUALS"'],
      [{ builds: [{ main: 3 }] }, 'k: builds[0].main: must be a Go package'],
      [{ defaultPlatforms: ['windows/amd64'] }, 'minnow builds linux images'],
      [{ baseImageOverrides: ['x'] }, 'k: baseImageOverrides: must be a map of import path: image'],
    ];
    for (const [data, message] of cases) {
      let caught: unknown;
      try {
        translateKoConfig(data, 'k', 'm');
      } catch (err) {
        caught = err;
      }
      expect(isMinnowError(caught, 'CONFIG_INVALID'), message).toBe(true);
      expect((caught as Error).message).toContain(message);
    }
  });
});

describe('.ko.yaml on disk', () => {
  async function module(files: Record<string, string>): Promise<string> {
    const dir = await tempDir();
    await writeFile(join(dir, 'go.mod'), 'module example.com/app\n\ngo 1.21\n');
    for (const [name, text] of Object.entries(files)) {
      await mkdir(join(dir, name, '..'), { recursive: true });
      await writeFile(join(dir, name), text);
    }
    return dir;
  }

  it('is read when there is no minnow.yaml, and minnow.yaml wins when both exist', async () => {
    const dir = await module({ '.ko.yaml': 'defaultBaseImage: scratch\n' });
    expect((await loadConfig(dir, {}))?.config).toEqual({ defaults: { base: 'scratch' } });
    await writeFile(join(dir, 'minnow.yaml'), 'defaults: { base: static }\n');
    expect((await loadConfig(dir, {}))?.config).toEqual({ defaults: { base: 'static' } });
  });

  it('is found through KO_CONFIG_PATH as a file or a directory', async () => {
    const elsewhere = await module({ 'conf/ko.yaml': 'defaultPlatforms: [linux/arm64]\n' });
    const dir = await module({});
    const file = join(elsewhere, 'conf', 'ko.yaml');
    expect((await loadKoConfig(dir, 'example.com/app', { KO_CONFIG_PATH: file }))?.config).toEqual({
      defaults: { platforms: ['linux/arm64'] },
    });
    await writeFile(join(elsewhere, '.ko.yaml'), 'defaultBaseImage: scratch\n');
    expect((await loadKoConfig(dir, 'example.com/app', { KO_CONFIG_PATH: elsewhere }))?.config).toEqual({
      defaults: { base: 'scratch' },
    });
    await expect(
      loadKoConfig(dir, 'example.com/app', { KO_CONFIG_PATH: join(dir, 'missing') }),
    ).rejects.toThrow(/KO_CONFIG_PATH .*missing does not exist/);
  });

  it("gives build options from ko's keys, a build's dir: included", async () => {
    const dir = await module({
      '.ko.yaml': [
        'defaultFlags: [-mod=mod]',
        'builds:',
        '  - main: ./cmd/tool',
        '    dir: tools',
        '    flags: [-tags, "{{.Env.KO_TEST_TAG}}"]',
        '    env: [GOPRIVATE=x]',
        '',
      ].join('\n'),
      'tools/go.mod': 'module example.com/app/tools\n\ngo 1.21\n',
    });
    const built = await configuredBuild(dir, ['example.com/app/tools/cmd/tool'], {
      Env: { KO_TEST_TAG: 'netgo' },
    });
    expect(built.options).toEqual({
      dir: join(dir, 'tools'),
      goFlags: ['-tags', 'netgo'],
      goEnv: { GOPRIVATE: 'x' },
    });
  });
});

describe('withEnvDefaults', () => {
  it('lets MINNOW_BASE/KO_DEFAULTBASEIMAGE and MINNOW_PLATFORMS/KO_DEFAULTPLATFORMS replace the defaults', () => {
    const config = { defaults: { base: 'static', user: 1 }, builds: [{ main: '.', base: 'scratch' }] };
    expect(withEnvDefaults(config, {})).toBe(config);
    expect(
      withEnvDefaults(config, { KO_DEFAULTBASEIMAGE: 'ko-base', KO_DEFAULTPLATFORMS: 'linux/arm64' }),
    ).toEqual({
      defaults: { base: 'ko-base', user: 1, platforms: ['linux/arm64'] },
      builds: [{ main: '.', base: 'scratch' }],
    });
    expect(
      withEnvDefaults(undefined, { MINNOW_BASE: 'm', KO_DEFAULTBASEIMAGE: 'k', MINNOW_PLATFORMS: 'all' }),
    ).toEqual({ defaults: { base: 'm', platforms: 'all' } });
  });
});

describe('file capabilities in the config', () => {
  it('reads ko’s linux_capabilities (a string or a list) and minnow.yaml’s capabilities into the build', async () => {
    const { parse } = await import('yaml');
    const t = translateKoConfig(
      parse(
        'builds:\n  - main: ./cmd/web\n    linux_capabilities: net_bind_service\n  - main: ./cmd/ping\n    linux_capabilities: [cap_net_raw]\n',
      ),
      '.ko.yaml',
      'example.com/app',
      () => undefined,
    );
    expect(t.warnings).toEqual([]);
    expect(t.config.builds?.map((b) => b.capabilities)).toEqual([['net_bind_service'], ['cap_net_raw']]);

    const dir = await tempDir();
    await writeFile(join(dir, 'go.mod'), 'module example.com/app\n\ngo 1.22\n');
    await writeFile(join(dir, 'minnow.yaml'), 'defaults:\n  capabilities: [NET_BIND_SERVICE]\n');
    const configured = await configuredBuild(dir, ['./cmd/web']);
    expect(configured.options.capabilities).toEqual(['NET_BIND_SERVICE']);
    await writeFile(join(dir, 'minnow.yaml'), 'defaults:\n  capabilities: [bind_everything]\n');
    await expect(loadConfig(dir)).rejects.toThrow(/must be a Linux capability/);
  });
});
