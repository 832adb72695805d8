import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/build/build.js';
import type { BuildOptions } from '../../src/build/types.js';
import { pushImage } from '../../src/publish/registry.js';
import { packagePublisher } from '../../src/resolve/package-publisher.js';
import { readManifests } from '../../src/resolve/read-manifests.js';
import { resolveManifests } from '../../src/resolve/resolve-manifests.js';
import { httpGetWhenUp, runServer } from '../helpers/docker.js';
import { exec } from '../helpers/exec.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const GOAPPS = join(FIXTURES, 'goapps');
const K8S = join(FIXTURES, 'k8s');

describe('resolve with the real publisher (real go, real registry, skopeo, Engine)', () => {
  let registry: TestRegistry;
  let cacheDir: string;
  const pulled: string[] = [];
  beforeAll(async () => {
    registry = await startRegistry();
    cacheDir = await tempDir();
  });
  afterAll(async () => {
    for (const ref of pulled) await exec('docker', ['rmi', '-f', ref]).catch(() => undefined);
    await registry?.stop();
  });

  function counting(overrides: BuildOptions = {}, dir = GOAPPS, repo = `${registry.host}/t`) {
    const counts = { build: 0, push: 0 };
    const publish = packagePublisher({
      dir,
      repo,
      overrides: { cacheDir, ...overrides },
      build: (o) => {
        counts.build++;
        return build(o);
      },
      push: (ref, target, o) => {
        counts.push++;
        return pushImage(ref, target, o);
      },
    });
    return { publish, counts };
  }

  it('pushes the Deployment, CronJob and Helm packages once each and pins them by digest', async () => {
    const sources = await readManifests(
      ['deployment.yaml', 'cronjob.yaml', 'helm-rendered.yaml'].map((f) => join(K8S, f)),
    );
    const { publish, counts } = counting();
    const result = await resolveManifests(sources, { publish });
    expect(counts).toEqual({ build: 3, push: 3 });
    for (const [pkg, image] of result.images) {
      const name = pkg.split('/').pop() as string;
      expect(image).toMatch(
        new RegExp(`^${registry.host.replace('.', '\\.')}/t/${name}@sha256:[0-9a-f]{64}$`),
      );
      const digest = image.split('@')[1];
      // The registry serves exactly that manifest, and the tag points at it too.
      const byDigest = JSON.parse(
        await exec('skopeo', ['inspect', '--tls-verify=false', `docker://${image}`]),
      ) as {
        Digest: string;
      };
      expect(byDigest.Digest).toBe(digest);
      const byTag = JSON.parse(
        await exec('skopeo', ['inspect', '--tls-verify=false', `docker://${registry.host}/t/${name}:latest`]),
      ) as { Digest: string };
      expect(byTag.Digest).toBe(digest);
    }
    const cron = result.manifests[1]?.text ?? '';
    expect(cron).toContain(`image: "${result.images.get('minnow.test/goapps/cmd/gamma')}"`);
  });

  it('gives Kubernetes an image that runs: the resolved gamma reference pulls and serves', async () => {
    const sources = await readManifests([join(K8S, 'cronjob.yaml')]);
    const { publish } = counting();
    const result = await resolveManifests(sources, { publish });
    const image = result.images.get('minnow.test/goapps/cmd/gamma') as string;
    pulled.push(image);
    await exec('docker', ['pull', '-q', image]);
    const server = await runServer(image);
    try {
      expect(await httpGetWhenUp(server.port)).toBe('gamma');
    } finally {
      await server.stop();
    }
  });

  it('builds each of 3 packages once for 20 manifests with 17 references', async () => {
    const sources = await readManifests([join(K8S, 'fleet')], { recursive: true });
    const { publish, counts } = counting({}, GOAPPS, `${registry.host}/fleet`);
    const result = await resolveManifests(sources, { publish });
    expect(result.references).toHaveLength(17);
    expect(counts).toEqual({ build: 3, push: 3 });
    const catalog = (await (await fetch(`${registry.url}/v2/_catalog`)).json()) as { repositories: string[] };
    expect(catalog.repositories.filter((r) => r.startsWith('fleet/')).sort()).toEqual([
      'fleet/alpha',
      'fleet/beta',
      'fleet/gamma',
    ]);
  });

  it("uses each package's minnow.yaml settings: alpha as a two-platform index, beta on scratch", async () => {
    const dir = join(await tempDir(), 'goapps');
    await cp(GOAPPS, dir, { recursive: true });
    await writeFile(
      join(dir, 'minnow.yaml'),
      [
        'defaults:',
        '  labels: { team: fixtures }',
        'builds:',
        '  - main: ./cmd/alpha',
        '    platforms: [linux/amd64, linux/arm64]',
        '  - main: minnow.test/goapps/cmd/beta',
        '    base: scratch',
        '',
      ].join('\n'),
    );
    const sources = await readManifests([join(K8S, 'deployment.yaml')]);
    const { publish } = counting({}, dir, `${registry.host}/cfg`);
    const result = await resolveManifests(sources, { publish });
    const alpha = result.images.get('minnow.test/goapps/cmd/alpha') as string;
    const raw = JSON.parse(
      await exec('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${alpha}`]),
    ) as {
      manifests?: { platform: { architecture: string } }[];
    };
    expect(raw.manifests?.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
    const beta = result.images.get('minnow.test/goapps/cmd/beta') as string;
    const config = JSON.parse(
      await exec('skopeo', ['inspect', '--config', '--tls-verify=false', `docker://${beta}`]),
    ) as { config: { Labels?: Record<string, string> } };
    expect(config.config.Labels).toMatchObject({ team: 'fixtures' });
    const manifest = JSON.parse(
      await exec('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${beta}`]),
    ) as { annotations?: Record<string, string> };
    expect(manifest.annotations?.['org.opencontainers.image.base.name']).toBe('scratch');
  });

  it('refuses two packages that would share a name before building anything', async () => {
    const { publish, counts } = counting({}, GOAPPS, `${registry.host}/x`);
    const sources = [
      {
        path: 'a.yaml',
        text: 'a: minnow://minnow.test/goapps/cmd/alpha\nb: minnow://other.test/cmd/alpha\n',
      },
    ];
    await expect(resolveManifests(sources, { publish })).rejects.toThrow(/would both be pushed to/);
    expect(counts.build).toBe(0);
  });
});
