import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig, type ConfigProblem } from '../../src/config/load-config.js';
import type { MinnowError } from '../../src/errors.js';
import { isMinnowError } from '../../src/errors.js';
import { tempDir } from '../helpers/tmp.js';

function problems(text: string): ConfigProblem[] {
  try {
    parseConfig(text, 'minnow.yaml');
  } catch (err) {
    expect(isMinnowError(err, 'CONFIG_INVALID')).toBe(true);
    return (err as MinnowError).details?.problems as ConfigProblem[];
  }
  throw new Error('expected CONFIG_INVALID');
}

const FULL = `# a complete config
version: 1
repo: registry.example.com/team
defaults:
  base: static
  platforms: [linux/amd64, linux/arm64, linux/arm/v7]
  ldflags:
    - -X main.version={{.Version}} -X main.commit={{.Commit}}
  env: { LOG_FORMAT: json }
  user: 65532
  ports: [8080, "9090/tcp"]
  labels:
    org.opencontainers.image.revision: "{{.Commit}}"
builds:
  - id: api
    main: ./cmd/api
    tags: [netgo]
    files:
      - src: config/api.yaml
        dst: /etc/api/api.yaml
      - src: scripts/probe
        dst: /app/probe
        mode: 0755
      - src: x
        dst: /x
        mode: "644"
      - src: y
        dst: /y
        mode: 0o600
`;

describe('parseConfig', () => {
  it('accepts a complete config and keeps its values', () => {
    const config = parseConfig(FULL);
    expect(config.repo).toBe('registry.example.com/team');
    expect(config.defaults?.platforms).toEqual(['linux/amd64', 'linux/arm64', 'linux/arm/v7']);
    expect(config.builds?.[0]?.main).toBe('./cmd/api');
    expect(config.defaults?.ports).toEqual([8080, '9090/tcp']);
  });

  it('reads an unquoted 0755 mode as octal, not as the decimal YAML 1.2 would make of it', () => {
    const files = parseConfig(FULL).builds?.[0]?.files ?? [];
    expect(files.map((f) => f.mode)).toEqual([undefined, '0755', '644', 0o600]);
  });

  it('treats an empty file as an empty config', () => {
    expect(parseConfig('# nothing yet\n')).toEqual({});
  });

  it('points at the line and column of a wrong value', () => {
    const text = 'defaults:\n  platforms:\n    - linux/amd64\n    - linux-arm64\n';
    const [p, ...rest] = problems(text);
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ file: 'minnow.yaml', line: 4, col: 7, path: 'defaults.platforms[1]' });
    expect(p?.message).toMatch(/os\/arch/);
  });

  it('points at a platform the build cannot take (another system, twice), and takes all', () => {
    const text = 'defaults:\n  platforms: [linux/amd64, windows/amd64, linux/amd64]\n';
    const [a, b, ...rest] = problems(text);
    expect(rest).toEqual([]);
    expect(a).toMatchObject({ line: 2, col: 28, path: 'defaults.platforms[1]' });
    expect(a?.message).toBe('"windows/amd64": minnow builds linux images');
    expect(b).toMatchObject({ line: 2, col: 43, path: 'defaults.platforms[2]' });
    expect(b?.message).toBe('"linux/amd64" is given twice');
    expect(parseConfig('defaults:\n  platforms: all\n').defaults?.platforms).toBe('all');
  });

  it('points at an unknown key itself, so a typo is easy to find', () => {
    const [p] = problems('builds:\n  - main: ./cmd/a\n    ldflag: ["-s"]\n');
    expect(p).toMatchObject({ line: 3, col: 5, path: 'builds[0].ldflag', message: 'unknown key "ldflag"' });
  });

  it('reports a missing required key at the map that lacks it', () => {
    const [p] = problems('builds:\n  - id: api\n    base: scratch\n');
    expect(p).toMatchObject({ line: 2, col: 5, path: 'builds[0].main', message: 'is required' });
  });

  it('reports every problem, sorted by position, with the first in the message', () => {
    const text =
      'defaults:\n  user: [1]\n  ports: [70000]\nbuilds:\n  - main: ./a\n    files:\n      - src: a\n        dst: relative\n';
    let err: unknown;
    try {
      parseConfig(text, '/m/minnow.yaml');
    } catch (e) {
      err = e;
    }
    const e = err as MinnowError;
    expect(e.message).toMatch(/^\/m\/minnow\.yaml:2:9: defaults\.user: /);
    const ps = e.details?.problems as ConfigProblem[];
    expect(ps.map((x) => [x.line, x.path])).toEqual([
      [2, 'defaults.user'],
      [3, 'defaults.ports[0]'],
      [8, 'builds[0].files[0].dst'],
    ]);
    expect(e.hint).toMatch(/2 more/);
  });

  it('rejects a path escaping with ".." and a mode beyond 0777', () => {
    const ps = problems('defaults:\n  files:\n    - { src: a, dst: /app/../etc/passwd, mode: "4755" }\n');
    expect(ps.map((p) => p.path).sort()).toEqual(['defaults.files[0].dst', 'defaults.files[0].mode']);
  });

  it('turns YAML syntax errors into the same file:line:col form', () => {
    const [p] = problems('defaults:\n  base: static\n base2: x\n');
    expect(p?.line).toBeGreaterThanOrEqual(2);
    expect(p?.path).toBe('(yaml)');
  });

  it('refuses duplicate keys instead of silently keeping one', () => {
    const [p] = problems('defaults:\n  base: static\n  base: scratch\n');
    expect(p).toMatchObject({ line: 3, path: '(yaml)' });
  });
});

describe('loadConfig', () => {
  it('finds minnow.yaml or .minnow.yaml, and returns undefined when there is none', async () => {
    const a = await tempDir();
    expect(await loadConfig(a)).toBeUndefined();
    await writeFile(join(a, '.minnow.yaml'), 'defaults: { base: scratch }\n');
    expect((await loadConfig(a))?.config.defaults?.base).toBe('scratch');
    await writeFile(join(a, 'minnow.yaml'), 'defaults: { base: static }\n');
    await expect(loadConfig(a)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('names the real file path in errors', async () => {
    const a = await tempDir();
    await writeFile(join(a, 'minnow.yaml'), 'defaults:\n  bse: static\n');
    await expect(loadConfig(a)).rejects.toThrow(
      `${join(a, 'minnow.yaml')}:2:3: defaults.bse: unknown key "bse"`,
    );
  });
});
