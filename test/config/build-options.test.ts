import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/build/build.js';
import { verifyReproducible } from '../../src/build/verify-reproducible.js';
import { configuredBuild, mergeBuildOptions } from '../../src/config/build-options.js';
import { hostImage } from '../../src/publish/sinks/index.js';
import { imageEntries } from '../build/image-files.js';
import { exec } from '../helpers/exec.js';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);

const MAIN = `package main

import "fmt"

var version, commit, date = "none", "none", "none"

func main() { fmt.Println(version, commit, date) }
`;

const CONFIG = `# minnow.yaml for a tagged module
defaults:
  base: scratch
  ldflags:
    - -X main.version={{.Version}} -X main.commit={{.ShortCommit}}
    - -X main.date={{.Date}}
  env: { MODE: default, KEEP: yes }
  labels:
    org.opencontainers.image.version: "{{.Version}}"
builds:
  - main: ./cmd/tool
    env: { MODE: tool }
    user: 1000
    ports: [9090]
    files:
      - { src: conf/tool.yaml, dst: /etc/tool.yaml }
`;

async function taggedModule(): Promise<{ dir: string; commit: string }> {
  const dir = join(await tempDir(), 'mod');
  await mkdir(join(dir, 'cmd', 'tool'), { recursive: true });
  await mkdir(join(dir, 'conf'));
  await writeFile(join(dir, 'go.mod'), 'module example.com/mod\n\ngo 1.21\n');
  await writeFile(join(dir, 'cmd', 'tool', 'main.go'), MAIN);
  await writeFile(join(dir, 'conf', 'tool.yaml'), 'a: 1\n');
  await writeFile(join(dir, 'minnow.yaml'), CONFIG);
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@example.com',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@example.com',
    GIT_COMMITTER_DATE: '2024-03-01T12:00:00Z',
    GIT_AUTHOR_DATE: '2024-03-01T12:00:00Z',
  };
  await exec('git', ['init', '-q', dir]);
  await exec('git', ['-C', dir, 'add', '.'], { env });
  await exec('git', ['-C', dir, 'commit', '-qm', 'first'], { env });
  await exec('git', ['-C', dir, 'tag', 'v1.2.3'], { env });
  return { dir, commit: (await exec('git', ['-C', dir, 'rev-parse', 'HEAD'])).trim() };
}

describe('minnow.yaml drives build() (real go, real git)', () => {
  let cacheDir: string;
  beforeAll(async () => {
    cacheDir = await tempDir();
  });

  it('expands version, commit and date from git into the binary, and applies the package entry', async () => {
    const { dir, commit } = await taggedModule();
    const configured = await configuredBuild(dir, ['./cmd/tool']);
    expect(configured.config?.path).toBe(join(dir, 'minnow.yaml'));
    const options = mergeBuildOptions(configured.options, {
      dir,
      packages: ['./cmd/tool'],
      env: { KEEP: 'flag' },
    });
    expect(options.env).toEqual({ MODE: 'tool', KEEP: 'flag' });
    const result = await build({ ...options, cacheDir: await tempDir() });
    const binary = result.images[0]?.binaries[0]?.path as string;
    const { stdout } = await run(binary);
    expect(stdout.trim()).toBe(`1.2.3 ${commit.slice(0, 7)} 2024-03-01T12:00:00Z`);
    const { image } = await hostImage(result.target);
    const config = (await image.configFile()).config;
    expect(config?.User).toBe('1000:1000');
    expect(config?.Env).toEqual(expect.arrayContaining(['MODE=tool', 'KEEP=flag']));
    expect(Object.keys(config?.ExposedPorts ?? {})).toEqual(['9090/tcp']);
    expect(config?.Labels?.['org.opencontainers.image.version']).toBe('1.2.3');
    const files = (await imageEntries(image)).filter((e) => e.type === 'file').map((e) => e.path);
    expect(files.slice(-2)).toEqual(['/app/tool', '/etc/tool.yaml']);
  });

  it("verifies reproducibility with the config's files and data read from each copy", async () => {
    const { dir } = await taggedModule();
    const configured = await configuredBuild(dir, ['./cmd/tool']);
    const options = mergeBuildOptions(configured.options, {
      dir,
      packages: ['./cmd/tool'],
      data: join(dir, 'conf'),
    });
    const seen: string[] = [];
    const verified = await verifyReproducible({
      build: (o) => {
        seen.push(`${o.data} ${o.files?.[0]?.src}`);
        return build({ ...o, cacheDir });
      },
      options,
    });
    const here = await build({ ...options, cacheDir });
    expect(verified.digest).toBe(here.digest);
    expect(seen).toHaveLength(2);
    for (const s of seen) {
      expect(s).toMatch(/minnow-repro-.*\/conf .*minnow-repro-.*\/conf\/tool\.yaml$/);
      expect(s).not.toContain(dir);
    }
  });

  it('uses only the defaults for a package without an entry, and nothing without a config', async () => {
    const { dir } = await taggedModule();
    const other = await configuredBuild(join(dir, 'cmd'), ['./other']);
    expect(other.options.base).toBe('scratch');
    expect(other.options.user).toBeUndefined();
    expect((await configuredBuild(await tempDir(), ['.'])).options).toEqual({});
  });

  it('stops a build on a bad config with file:line:col', async () => {
    const { dir } = await taggedModule();
    await writeFile(join(dir, 'minnow.yaml'), 'defaults:\n  platforms: [linux/amd64, windows]\n');
    await expect(configuredBuild(dir)).rejects.toThrow(
      `${join(dir, 'minnow.yaml')}:2:28: defaults.platforms[1]`,
    );
  });
});
