import { randomBytes } from 'node:crypto';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { readLayout } from '../../../src/base/layout.js';
import { multiPlatformBase } from '../../build/multi-platform-base.js';
import { freePort } from '../../helpers/docker.js';
import { exec } from '../../helpers/exec.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { tempDir } from '../../helpers/tmp.js';
import { plain, runCli } from '../build-helpers.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');
const GOAPPS = join(FIXTURES, 'goapps');
const K8S = join(FIXTURES, 'k8s');

describe('minnow resolve and minnow apply (real CLI, registry, kubectl)', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('prints the 20 fleet manifests with every reference pinned', async () => {
    const r = await runCli([
      'resolve',
      '-f',
      join(K8S, 'fleet'),
      '-R',
      '-C',
      GOAPPS,
      '--repo',
      `${registry.host}/cli`,
      '-q',
    ]);
    expect(plain(r.stderr)).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('minnow://');
    expect(parseAllDocuments(r.stdout)).toHaveLength(20);
    const refs = new Set(r.stdout.match(/127\.0\.0\.1:\d+\/cli\/[a-z]+@sha256:[0-9a-f]{64}/g));
    expect([...refs].map((x) => x.split('/')[2]?.split('@')[0]).sort()).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('lists each pushed image on stderr unless quiet', async () => {
    const r = await runCli([
      'resolve',
      '-f',
      join(K8S, 'cronjob.yaml'),
      '-C',
      GOAPPS,
      '--repo',
      `${registry.host}/cli`,
    ]);
    expect(r.code).toBe(0);
    expect(plain(r.stderr)).toMatch(
      /^minnow\.test\/goapps\/cmd\/gamma 127\.0\.0\.1:\d+\/cli\/gamma@sha256:[0-9a-f]{64}\n1 reference\(s\) in 1 file\(s\), 1 image\(s\) pushed\n$/,
    );
  });

  it('builds every platform of the base with --platform all', async () => {
    const base = await multiPlatformBase([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ]);
    const r = await runCli([
      'resolve',
      '-f',
      join(K8S, 'cronjob.yaml'),
      '-C',
      GOAPPS,
      '--repo',
      `${registry.host}/all`,
      '--base',
      base,
      '--platform',
      'all',
      '-q',
    ]);
    expect(plain(r.stderr)).toBe('');
    const image = /127\.0\.0\.1:\d+\/all\/gamma@sha256:[0-9a-f]{64}/.exec(r.stdout)?.[0] as string;
    const raw = JSON.parse(
      await exec('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${image}`]),
    ) as {
      manifests: { platform: { architecture: string } }[];
    };
    expect(raw.manifests.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
  });

  it('puts the images in an OCI layout or the Engine instead of a registry with --output', async () => {
    const cronjob = (...more: string[]) =>
      runCli(['resolve', '-f', join(K8S, 'cronjob.yaml'), '-C', GOAPPS, ...more]);
    const layout = join(await tempDir(), 'images');
    const toLayout = await cronjob('-o', `oci:${layout}`, '-q');
    expect(plain(toLayout.stderr)).toBe('');
    expect(toLayout.code).toBe(0);
    const pinned = /minnow\.local\/gamma@(sha256:[0-9a-f]{64})/.exec(toLayout.stdout)?.[1];
    const inLayout = await readLayout(layout, { tag: 'gamma' });
    if (inLayout.kind !== 'image') throw new Error('expected an image');
    expect(await inLayout.image.digest()).toBe(pinned);

    const repo = `minnow-test-resolve/${randomBytes(4).toString('hex')}`;
    try {
      const toEngine = await cronjob('-o', 'daemon', '--repo', repo, '-q');
      expect(plain(toEngine.stderr)).toBe('');
      expect(toEngine.code).toBe(0);
      // The same source builds the same image: the Engine holds the layout's image under REPO/NAME:TAG.
      expect(toEngine.stdout).toContain(`${repo}/gamma@${pinned}`);
      const id = await exec('docker', ['image', 'inspect', '--format', '{{.Id}}', `${repo}/gamma:latest`]);
      expect(id.trim()).toBe((await inLayout.image.manifest()).config.digest);
    } finally {
      await exec('docker', ['rmi', '-f', `${repo}/gamma:latest`]).catch(() => undefined);
    }

    const tarball = await cronjob('-o', 'docker:x.tar');
    expect(tarball.code).toBe(2);
    expect(plain(tarball.stderr)).toMatch(
      /^error: invalid --output "docker:x\.tar": each image needs its own name/,
    );
  });

  it('keeps a single file byte for byte apart from the references', async () => {
    const file = join(K8S, 'helm-rendered.yaml');
    const r = await runCli(['resolve', '-f', file, '-C', GOAPPS, '--repo', `${registry.host}/cli`, '-q']);
    expect(r.code).toBe(0);
    const original = await readFile(file, 'utf8');
    expect(
      r.stdout.replace(
        /127\.0\.0\.1:\d+\/cli\/alpha@sha256:[0-9a-f]{64}/,
        'minnow://minnow.test/goapps/cmd/alpha',
      ),
    ).toBe(original);
  });

  it('reads MINNOW_REPO, and says clearly when there is no repository', async () => {
    const saved = process.env.MINNOW_REPO;
    try {
      delete process.env.MINNOW_REPO;
      const none = await runCli(['resolve', '-f', join(K8S, 'cronjob.yaml'), '-C', GOAPPS]);
      expect(none.code).toBe(2);
      expect(plain(none.stderr)).toMatch(/^error: no repository to push to\nhint: pass --repo/);
      process.env.MINNOW_REPO = `${registry.host}/env`;
      const r = await runCli(['resolve', '-f', join(K8S, 'cronjob.yaml'), '-C', GOAPPS, '-q']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/image: "127\.0\.0\.1:\d+\/env\/gamma@sha256:/);
    } finally {
      if (saved === undefined) delete process.env.MINNOW_REPO;
      else process.env.MINNOW_REPO = saved;
    }
  });

  it('fails on a bad manifest with file:line:col and prints no YAML', async () => {
    const r = await runCli([
      'resolve',
      '-f',
      join(K8S, 'fleet'),
      '-f',
      join(FIXTURES, 'k8s-bad', 'bad-ref.yaml'),
      '-C',
      GOAPPS,
      '--repo',
      `${registry.host}/bad`,
      '-q',
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(plain(r.stderr)).toMatch(
      /^error: .*bad-ref\.yaml:9:15: "minnow:\/\/minnow\.test\/goapps\/cmd\/alpha beta" is not minnow:\/\/<go package path>\n$/,
    );
  });

  it('prints no YAML when a package does not compile, and shows what the compiler said', async () => {
    const mod = join(await tempDir(), 'mod');
    await cp(GOAPPS, mod, { recursive: true });
    await mkdir(join(mod, 'cmd', 'broken'));
    await writeFile(
      join(mod, 'cmd', 'broken', 'main.go'),
      'package main\n\nfunc main() { undefinedThing() }\n',
    );
    const manifest = join(mod, 'pods.yaml');
    await writeFile(manifest, 'a: minnow://./cmd/alpha\n---\nb: minnow://./cmd/broken\n');
    const r = await runCli(['resolve', '-f', manifest, '-C', mod, '--repo', `${registry.host}/broken`, '-q']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const err = plain(r.stderr).trimEnd().split('\n');
    expect(err.slice(0, -1).join('\n')).toMatch(/main\.go:3:\d+: undefined: undefinedThing/); // the compiler's output
    expect(err.at(-1)).toMatch(/^error: go build .*broken.* failed/);
  });

  it('apply refuses to build anything when kubectl is missing', async () => {
    const saved = process.env.KUBECTL;
    process.env.KUBECTL = '/nonexistent/kubectl';
    try {
      const r = await runCli([
        'apply',
        '-f',
        join(K8S, 'cronjob.yaml'),
        '-C',
        GOAPPS,
        '--repo',
        `${registry.host}/apply`,
      ]);
      expect(r.code).toBe(1);
      expect(plain(r.stderr).split('\n')[0]).toBe('error: kubectl is not installed (or not on PATH)');
      const catalog = (await (await fetch(`${registry.url}/v2/_catalog`)).json()) as {
        repositories: string[];
      };
      expect(catalog.repositories.filter((x) => x.startsWith('apply/'))).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.KUBECTL;
      else process.env.KUBECTL = saved;
    }
  });

  it('apply pipes the resolved YAML to the real kubectl and passes its arguments and failure on', async () => {
    const port = await freePort();
    const r = await runCli([
      'apply',
      '-f',
      join(K8S, 'cronjob.yaml'),
      '-C',
      GOAPPS,
      '--repo',
      `${registry.host}/apply`,
      '-q',
      '--',
      '--server',
      `http://127.0.0.1:${port}`,
      '--validate=false',
    ]);
    expect(r.code).toBe(1);
    const err = plain(r.stderr);
    expect(err).toContain('"STDIN"');
    expect(err).toContain(`127.0.0.1:${port}`);
    expect(err).toMatch(/error: kubectl apply failed with exit status 1/);
  });
});
