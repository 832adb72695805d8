import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analyze/analyze.js';
import { openImage } from '../../src/analyze/open.js';
import { plain, runCli } from '../cli/build-helpers.js';
import { exec } from '../helpers/exec.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

const KO_REPO = join(import.meta.dirname, '..', 'fixtures', 'ko-repo');

/**
 * The walk-through of docs/from-ko.md: a repository configured for ko only (.ko.yaml, ko:// manifests,
 * KO_DOCKER_REPO), resolved by minnow without a change, then run in the real Engine.
 */
describe('migrating from ko (real go, registry, Engine)', () => {
  let registry: TestRegistry;
  const pulled: string[] = [];
  const saved = { ...process.env };
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    for (const ref of pulled) await exec('docker', ['rmi', '-f', ref]).catch(() => undefined);
    await registry?.stop();
    process.env = saved;
  });

  it('resolves ko:// references with .ko.yaml builds, flags, ldflags templates and a dir: module', async () => {
    const repo = await tempDir();
    await cp(KO_REPO, repo, { recursive: true });
    process.env.KO_DOCKER_REPO = `${registry.host}/ko`;
    process.env.KOAPP_VERSION = '1.2.3';
    const r = await runCli(['resolve', '-f', join(repo, 'config', 'deployment.yaml'), '-C', repo]);
    expect(r.code, r.stderr).toBe(0);
    // The ko-only keys are named, not silently dropped.
    expect(plain(r.stderr)).toContain('.ko.yaml: defaultGoos is not supported by minnow (ignored)');
    expect(plain(r.stderr)).toContain('.ko.yaml: builds[1].gcflags is not supported by minnow (ignored)');
    expect(r.stdout).not.toContain('ko://');
    const images = [...r.stdout.matchAll(/image: (\S+@sha256:[0-9a-f]{64})/g)].map((m) => m[1] as string);
    expect(images).toHaveLength(2);
    expect(images[0]).toMatch(new RegExp(`^${registry.host}/ko/hello@`));
    expect(images[1]).toMatch(new RegExp(`^${registry.host}/ko/helper@`));
    const outputs: string[] = [];
    for (const image of images) {
      pulled.push(image);
      outputs.push((await exec('docker', ['run', '--rm', '--network', 'host', image])).trim());
    }
    // -tags loud came from the build's flags:, the version from {{.Env.KOAPP_VERSION}}, the helper from its
    // own module (dir: ./tools) on scratch (baseImageOverrides).
    expect(outputs).toEqual(['hello 1.2.3 LOUDLY', 'helper from-ko-yaml']);
    const config = JSON.parse(
      await exec('docker', ['image', 'inspect', '--format', '{{json .Config}}', images[1] as string]),
    ) as { User?: string };
    expect(config.User).toBe('65532:65532');
  });

  it('builds with KO_DOCKER_REPO as ko build does, linux_capabilities on the binary, and names the images in --image-refs', async () => {
    const repo = await tempDir();
    await cp(KO_REPO, repo, { recursive: true });
    process.env.KO_DOCKER_REPO = `${registry.host}/ko`;
    process.env.KOAPP_VERSION = '2.0.0';
    const refs = join(repo, 'refs.txt');
    const cwd = process.cwd();
    process.chdir(repo); // the default layout (.minnow/hello) goes in the copy
    let r: Awaited<ReturnType<typeof runCli>>;
    try {
      r = await runCli(['build', join(repo, 'cmd', 'hello'), '-t', 'v2', '--image-refs', refs, '-q']);
    } finally {
      process.chdir(cwd);
    }
    expect(plain(r.stderr)).toContain('.ko.yaml: defaultGoos is not supported by minnow (ignored)');
    expect(r.code).toBe(0);
    const [ref] = (await readFile(refs, 'utf8')).trim().split('\n');
    expect(ref).toMatch(new RegExp(`^${registry.host}/ko/hello@sha256:[0-9a-f]{64}$`));
    expect(r.stdout.trim()).toBe(ref);
    const analysis = await analyzeImage(await openImage(ref as string));
    expect(analysis.findings.filter((f) => f.rule === 'MN-UP-003').map((f) => f.message)).toEqual([
      '1 file with capabilities: /app/hello (cap_net_bind_service)',
    ]);
    pulled.push(ref as string);
    expect((await exec('docker', ['run', '--rm', '--network', 'host', ref as string])).trim()).toBe(
      'hello 2.0.0 LOUDLY',
    );
  });

  it('KO_DOCKER_REPO=ko.local loads the images into the local Engine, as ko does', async () => {
    const repo = await tempDir();
    await cp(KO_REPO, repo, { recursive: true });
    process.env.KO_DOCKER_REPO = 'ko.local';
    process.env.KOAPP_VERSION = '3.0.0';
    const tag = `t${process.pid}`;
    const r = await runCli([
      'resolve',
      '-f',
      join(repo, 'config', 'deployment.yaml'),
      '-C',
      repo,
      '-t',
      tag,
      '-q',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const images = [...r.stdout.matchAll(/image: (\S+@sha256:[0-9a-f]{64})/g)].map((m) => m[1] as string);
    expect(images.map((i) => i.split('@')[0])).toEqual(['ko.local/hello', 'ko.local/helper']);
    pulled.push(`ko.local/hello:${tag}`, `ko.local/helper:${tag}`);
    expect((await exec('docker', ['run', '--rm', `ko.local/hello:${tag}`])).trim()).toBe(
      'hello 3.0.0 LOUDLY',
    );
    // ko build with ko.local too: the Engine gets ko.local/<app>:<tag>.
    const cwd = process.cwd();
    process.chdir(repo);
    try {
      const built = await runCli(['build', join(repo, 'cmd', 'hello'), '-t', `${tag}b`, '-q']);
      expect(built.code, built.stderr).toBe(0);
    } finally {
      process.chdir(cwd);
    }
    pulled.push(`ko.local/hello:${tag}b`);
    expect((await exec('docker', ['run', '--rm', `ko.local/hello:${tag}b`])).trim()).toBe(
      'hello 3.0.0 LOUDLY',
    );
  });
});
