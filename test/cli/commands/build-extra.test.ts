import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLayout } from '../../../src/base/layout.js';
import { tempDir } from '../../helpers/tmp.js';
import { imageEntries } from '../../build/image-files.js';
import { multiPlatformBase } from '../../build/multi-platform-base.js';
import { plain, runCli } from '../build-helpers.js';

const GOAPPS = join(import.meta.dirname, '..', '..', 'fixtures', 'goapps');

describe('minnow build with several binaries, --data and --verify-reproducible (real CLI, real go)', () => {
  const cwd = process.cwd();
  beforeAll(() => process.chdir(GOAPPS));
  afterAll(() => process.chdir(cwd));

  it('verifies, then writes the image whose entrypoint --entrypoint named and whose data is in /app/data', async () => {
    const out = join(await tempDir(), 'multi');
    const args = [
      './cmd/alpha',
      './cmd/gamma',
      '--entrypoint',
      'gamma',
      '--data',
      'static',
      '--platform',
      'linux/amd64,linux/arm64',
    ];
    const verified = await runCli(['build', ...args, '-o', `oci:${out}`, '--verify-reproducible', '-q']);
    expect(plain(verified.stderr)).toBe('');
    expect(verified.code).toBe(0);
    const digest = verified.stdout.trim();
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The same as a plain build here: what was verified is what you get.
    const plainBuild = await runCli(['build', ...args, '-o', `oci:${join(await tempDir(), 'plain')}`, '-q']);
    expect(plainBuild.stdout.trim()).toBe(digest);
    const target = await readLayout(out);
    if (target.kind !== 'index') throw new Error('expected an index');
    const im = await target.index.indexManifest();
    const image = await target.index.image(im.manifests[1]!);
    const config = (await image.configFile()).config;
    expect(config?.Entrypoint).toEqual(['/app/gamma']);
    expect(config?.Env).toContain('MINNOW_DATA_PATH=/app/data');
  });

  it('refuses a -t that is a NAME:TAG (as docker build -t takes) before Go runs, saying where a name goes', async () => {
    const r = await runCli([
      'build',
      './cmd/alpha',
      '-t',
      'myapp:v1',
      '-o',
      `oci:${join(await tempDir(), 'x')}`,
    ]);
    expect(r.code).toBe(2);
    expect(plain(r.stderr)).toBe(
      'error: -t "myapp:v1" is not a tag: -t takes a tag such as v1 (name a local image with -o daemon:NAME:TAG)\n',
    );
  });

  it('names the binaries there are when --entrypoint names none', async () => {
    const r = await runCli([
      'build',
      './cmd/alpha',
      './cmd/beta',
      '--entrypoint',
      'gamma',
      '-o',
      `oci:${join(await tempDir(), 'x')}`,
    ]);
    expect(r.code).toBe(2);
    expect(plain(r.stderr)).toBe(
      'error: --entrypoint gamma is not one of the binaries built\nhint: binaries: alpha, beta (or give an absolute path)\n',
    );
  });

  it('refuses a --data directory that does not exist before writing anything', async () => {
    const dir = await tempDir();
    const r = await runCli(['build', './cmd/alpha', '--data', 'nope', '-o', `oci:${join(dir, 'x')}`]);
    expect(r.code).toBe(1);
    expect(plain(r.stderr)).toMatch(/^error: data directory .*nope does not exist\n$/);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(dir)).toEqual([]);
  });

  it('takes settings from minnow.yaml in the module root, with flags winning', async () => {
    const mod = join(await tempDir(), 'mod');
    await cp(GOAPPS, mod, { recursive: true });
    await writeFile(
      join(mod, 'minnow.yaml'),
      'defaults:\n  base: scratch\n  env: { FROM: config, KEEP: config }\n  ports: [9000]\n' +
        '  files: [{ src: static/greeting.txt, dst: /etc/greeting.txt }]\n',
    );
    const annotationsOf = async (out: string) => {
      const t = await readLayout(out);
      if (t.kind !== 'image') throw new Error('expected one image');
      return { manifest: await t.image.manifest(), config: (await t.image.configFile()).config };
    };
    const a = join(await tempDir(), 'a');
    const fromConfig = await runCli(['build', join(mod, 'cmd', 'beta'), '-o', `oci:${a}`, '-q']);
    expect(plain(fromConfig.stderr)).toBe('');
    const ia = await annotationsOf(a);
    expect(ia.manifest.annotations?.['org.opencontainers.image.base.name']).toBe('scratch');
    expect(ia.config?.Env).toEqual(expect.arrayContaining(['FROM=config', 'KEEP=config']));
    expect(Object.keys(ia.config?.ExposedPorts ?? {})).toEqual(['9000/tcp']);
    // files: from the module root, though the package built is two directories down.
    const t = await readLayout(a);
    if (t.kind !== 'image') throw new Error('expected one image');
    const files = (await imageEntries(t.image)).map((e) => e.path);
    expect(files).toContain('/etc/greeting.txt');
    const b = join(await tempDir(), 'b');
    const withFlags = await runCli([
      'build',
      join(mod, 'cmd', 'beta'),
      '--base',
      'static',
      '--env',
      'FROM=flag',
      '-o',
      `oci:${b}`,
      '-q',
    ]);
    expect(withFlags.code).toBe(0);
    const ib = await annotationsOf(b);
    expect(ib.manifest.annotations?.['org.opencontainers.image.base.name']).toBe('static');
    expect(ib.config?.Env).toEqual(expect.arrayContaining(['FROM=flag', 'KEEP=config']));
    await writeFile(join(mod, 'minnow.yaml'), 'defaults:\n  base: scratch\n  prots: [9000]\n');
    const bad = await runCli(['build', join(mod, 'cmd', 'beta'), '-o', `oci:${join(await tempDir(), 'c')}`]);
    expect(bad.code).toBe(2);
    expect(plain(bad.stderr).split('\n')[0]).toBe(
      `error: ${join(mod, 'minnow.yaml')}:3:3: defaults.prots: unknown key "prots"`,
    );
  });

  it('builds every platform of the base for --platform all, and for platforms: all in minnow.yaml', async () => {
    const base = await multiPlatformBase([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
      { os: 'windows', architecture: 'amd64' },
    ]);
    const archesOf = async (out: string) => {
      const t = await readLayout(out);
      if (t.kind !== 'index') throw new Error('expected an index');
      return (await t.index.indexManifest()).manifests.map((m) => m.platform?.architecture);
    };
    const a = join(await tempDir(), 'a');
    const r = await runCli([
      'build',
      './cmd/alpha',
      '--base',
      base,
      '--platform',
      'all',
      '-o',
      `oci:${a}`,
      '-q',
    ]);
    expect(plain(r.stderr)).toBe('');
    expect(await archesOf(a)).toEqual(['amd64', 'arm64']);

    const mod = join(await tempDir(), 'mod');
    await cp(GOAPPS, mod, { recursive: true });
    await writeFile(join(mod, 'minnow.yaml'), `defaults:\n  base: "${base}"\n  platforms: all\n`);
    const b = join(await tempDir(), 'b');
    const c = await runCli(['build', join(mod, 'cmd', 'alpha'), '-o', `oci:${b}`, '-q']);
    expect(plain(c.stderr)).toBe('');
    expect(await archesOf(b)).toEqual(['amd64', 'arm64']);
  });
});
