import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
