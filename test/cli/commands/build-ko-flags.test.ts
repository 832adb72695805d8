import { readFile } from 'node:fs/promises';
import { build } from '../../../src/build/build.js';
import { exec } from '../../helpers/exec.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { tempDir } from '../../helpers/tmp.js';
import { plain, runCli } from '../build-helpers.js';

const GAMMA = join(import.meta.dirname, '..', '..', 'fixtures', 'goapps', 'cmd', 'gamma');

/** ko's ways of naming where `build` pushes and what it reports: MINNOW_REPO / KO_DOCKER_REPO, --image-refs, --tag-only. */
describe('minnow build with ko’s publish settings (real CLI, real go, real registry)', () => {
  let reg: TestRegistry;
  let dir: string;
  const cwd = process.cwd();
  const saved = { MINNOW_REPO: process.env.MINNOW_REPO, KO_DOCKER_REPO: process.env.KO_DOCKER_REPO };
  beforeAll(async () => {
    reg = await startRegistry();
    dir = await tempDir();
    // The default layout (.minnow/gamma) is written in the working directory: a temp one.
    process.chdir(dir);
  });
  afterAll(async () => {
    process.chdir(cwd);
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await reg?.stop();
  });
  // The tags a user pushed: not the sha256-… tags of the attached SBOM and provenance (the referrers tag schema).
  const tags = async (repo: string): Promise<string[]> =>
    ((await (await fetch(`${reg.url}/v2/${repo}/tags/list`)).json()) as { tags: string[] }).tags
      .filter((t) => !t.startsWith('sha256-'))
      .sort();

  it('pushes to MINNOW_REPO/<app> with every -t, and writes the references to --image-refs', async () => {
    process.env.MINNOW_REPO = `${reg.host}/env`;
    const refs = join(dir, 'out', 'refs.txt');
    const r = await runCli(['build', GAMMA, '-t', 'v1', '-t', 'v1.0', '--image-refs', refs, '-q']);
    expect(plain(r.stderr)).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${reg.host}/env/gamma@sha256:[0-9a-f]{64}\\n$`));
    expect(await readFile(refs, 'utf8')).toBe(r.stdout);
    expect(await tags('env/gamma')).toEqual(['v1', 'v1.0']);
  });

  it('takes ko’s KO_DOCKER_REPO when MINNOW_REPO is not set, and ignores both when the flags name a destination', async () => {
    delete process.env.MINNOW_REPO;
    process.env.KO_DOCKER_REPO = `${reg.host}/ko`;
    const r = await runCli(['build', GAMMA, '-q']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${reg.host}/ko/gamma@sha256:`));
    expect(await tags('ko/gamma')).toEqual(['latest']);
    const local = await runCli(['build', GAMMA, '-o', `oci:${join(dir, 'layout')}`, '-q']);
    expect(local.code).toBe(0);
    expect(local.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    delete process.env.KO_DOCKER_REPO;
  });

  it('--tag-only prints and writes the tag reference, and refuses latest before building', async () => {
    const refs = join(dir, 'tag-refs.txt');
    const r = await runCli([
      'build',
      GAMMA,
      '--repo',
      `${reg.host}/only/gamma`,
      '-t',
      'v3',
      '--tag-only',
      '--image-refs',
      refs,
      '-q',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${reg.host}/only/gamma:v3\n`);
    expect(await readFile(refs, 'utf8')).toBe(`${reg.host}/only/gamma:v3\n`);
    const refused = await runCli(['build', GAMMA, '--repo', `${reg.host}/only/gamma`, '--tag-only', '-q']);
    expect(refused.code).toBe(2);
    expect(plain(refused.stderr).split('\n')[0]).toBe(
      'error: --tag-only needs exactly one --tag, and not latest',
    );
  });

  it('--disable-optimizations builds with -gcflags=all=-N -l and keeps the symbols', async () => {
    const [optimized, plainBuild] = await Promise.all([
      build({ dir: GAMMA, disableOptimizations: true }),
      build({ dir: GAMMA }),
    ]);
    const debugBinary = optimized.images[0]!.binaries[0]!;
    const settings = await exec('go', ['version', '-m', debugBinary.path]);
    expect(settings).toMatch(/^\s*build\s+-gcflags="?all=-N -l"?\s*$/m);
    // Not stripped: go tool nm finds main.main in it, and no symbols at all in the default (-s -w) build.
    expect(await exec('go', ['tool', 'nm', debugBinary.path])).toMatch(/ T main\.main$/m);
    const stripped = await exec('go', ['tool', 'nm', plainBuild.images[0]!.binaries[0]!.path]).then(
      (out) => out,
      (err: unknown) => String(err),
    );
    expect(stripped).toMatch(/no symbols/);
    // The symbol table and DWARF make it bigger, and give a new digest.
    expect(debugBinary.size).toBeGreaterThan(plainBuild.images[0]!.binaries[0]!.size);
    expect(optimized.digest).not.toBe(plainBuild.digest);
    // The image's history says how the binary was built.
    const history = (await optimized.images[0]!.image.configFile()).history ?? [];
    expect(history.at(-1)?.comment).toBe(
      'CGO_ENABLED=0 go build -trimpath -gcflags=all=-N -l (--disable-optimizations)',
    );
    const cli = await runCli([
      'build',
      GAMMA,
      '--disable-optimizations',
      '-o',
      `oci:${join(dir, 'unopt')}`,
      '--json',
    ]);
    expect(cli.code).toBe(0);
    expect((JSON.parse(cli.stdout) as { digest: string }).digest).toBe(optimized.digest);
  });
});
