import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { importPathOf } from '../../src/config/module-path.js';
import { fileModeOf } from '../../src/build/files-layer.js';
import { settingsFor } from '../../src/config/settings-for.js';
import { templateValues } from '../../src/config/template.js';

const config = parseConfig(`
defaults:
  base: static
  platforms: [linux/amd64, linux/arm64]
  env: { A: "1", B: "2" }
  ldflags: ["-X main.v={{.Version}}"]
builds:
  - main: ./cmd/api
    platforms: [linux/amd64]
    env: { B: "20", C: "30" }
    labels: { rev: "{{.ShortCommit}}" }
  - main: example.com/m/cmd/worker
    base: scratch
`);
const values = templateValues({ commit: 'abcdef0123456789', describe: 'v2.0.0' }, {});

describe('settingsFor', () => {
  it('uses the defaults for a package without a build entry', () => {
    const s = settingsFor(config, 'example.com/m/cmd/other', 'example.com/m', values);
    expect(s.base).toBe('static');
    expect(s.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(s.ldflags).toEqual(['-X main.v=2.0.0']);
    expect(s.build).toBeUndefined();
  });

  it('replaces lists, merges maps, and expands templates for a matching entry', () => {
    const s = settingsFor(config, 'example.com/m/cmd/api', 'example.com/m', values);
    expect(s.platforms).toEqual(['linux/amd64']);
    expect(s.env).toEqual({ A: '1', B: '20', C: '30' });
    expect(s.labels).toEqual({ rev: 'abcdef0' });
    expect(s.build?.main).toBe('./cmd/api');
  });

  it('matches entries written as full import paths', () => {
    expect(settingsFor(config, 'example.com/m/cmd/worker', 'example.com/m', values).base).toBe('scratch');
  });

  it('refuses two entries for one package', () => {
    const twice = parseConfig('builds:\n  - main: ./a\n  - main: example.com/m/a\n');
    expect(() => settingsFor(twice, 'example.com/m/a', 'example.com/m', values)).toThrow(/2 builds/);
  });

  it('works with no config at all', () => {
    expect(settingsFor(undefined, 'x', 'x', values)).toEqual({});
  });
});

describe('importPathOf and fileModeOf', () => {
  it('maps module-relative paths to import paths', () => {
    expect(importPathOf('.', 'example.com/m')).toBe('example.com/m');
    expect(importPathOf('./cmd/a/', 'example.com/m')).toBe('example.com/m/cmd/a');
    expect(importPathOf('example.com/x/y', 'example.com/m')).toBe('example.com/x/y');
    expect(() => importPathOf('../other', 'example.com/m')).toThrow(/outside the module/);
  });

  it('reads octal modes', () => {
    expect(fileModeOf('0755')).toBe(0o755);
    expect(fileModeOf('644')).toBe(0o644);
    expect(fileModeOf(0o600)).toBe(0o600);
    expect(fileModeOf(undefined)).toBe(0o444);
  });
});

describe('toBuildOptions', () => {
  it('turns settings into build options with absolute paths and string ports', async () => {
    const { toBuildOptions } = await import('../../src/config/build-options.js');
    const o = toBuildOptions(
      {
        platforms: ['linux/arm/v7'],
        ldflags: ['-X a=1', '-X b=2'],
        user: 1000,
        ports: [8080, '53/udp'],
        entrypoint: 'beta',
        files: [{ src: 'conf/a.yaml', dst: '/etc/a.yaml' }],
        data: 'static',
      },
      '/m',
    );
    expect(o).toEqual({
      platforms: [{ os: 'linux', architecture: 'arm', variant: 'v7' }],
      ldflags: '-X a=1 -X b=2',
      user: '1000',
      ports: ['8080', '53/udp'],
      entrypoint: ['beta'],
      files: [{ src: '/m/conf/a.yaml', dst: '/etc/a.yaml' }],
      data: '/m/static',
    });
  });

  it('reports platforms the build cannot take as a config error naming the file', async () => {
    const { toBuildOptions } = await import('../../src/config/build-options.js');
    expect(() => toBuildOptions({ platforms: ['windows/amd64'] }, '/m', '/m/minnow.yaml')).toThrow(
      /^\/m\/minnow\.yaml: platforms: .*minnow builds linux images/,
    );
  });

  it('leaves "all" to the caller, who knows the base', async () => {
    const { toBuildOptions } = await import('../../src/config/build-options.js');
    expect(toBuildOptions({ platforms: 'all', base: 'scratch' }, '/m')).toEqual({ base: 'scratch' });
  });
});
