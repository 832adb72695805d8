import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { startKubeDiscovery, type KubeDiscovery } from '../../helpers/kube-discovery.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { plain, runCli } from '../build-helpers.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');
const GOAPPS = join(FIXTURES, 'goapps');
const K8S = join(FIXTURES, 'k8s');
const DIGEST_REF = /^127\.0\.0\.1:\d+\/[a-z/]+@sha256:[0-9a-f]{64}$/;

/**
 * ko's commands and flags on the real CLI, registry and kubectl. There is no cluster: kubectl talks to a server
 * that answers only API discovery, so `--dry-run=client -o yaml` prints what kubectl would send (and the server
 * records that nothing else was asked).
 */
describe('minnow run, create, delete, -l, -f URL and --tag-only (real CLI, registry, kubectl)', () => {
  let registry: TestRegistry;
  let kube: KubeDiscovery;
  beforeAll(async () => {
    [registry, kube] = await Promise.all([startRegistry(), startKubeDiscovery()]);
  });
  afterAll(async () => {
    await Promise.all([registry?.stop(), kube?.stop()]);
  });

  /** Build the goapps packages and push them under REPO/`under`, quietly. */
  const pushTo = (under: string): string[] => ['-C', GOAPPS, '--repo', `${registry.host}/${under}`, '-q'];
  /** kubectl's arguments: the discovery-only server, and a client-side dry run. */
  const dryRun = (): string[] => ['--', `--server=${kube.url}`, '--dry-run=client'];

  async function manifestStatus(ref: string): Promise<number> {
    const [name, digest] = ref.split('@') as [string, string];
    const repo = name.slice(name.indexOf('/') + 1);
    const res = await fetch(`${registry.url}/v2/${repo}/manifests/${digest}`, {
      method: 'HEAD',
      headers: {
        accept: 'application/vnd.oci.image.manifest.v1+json,application/vnd.oci.image.index.v1+json',
      },
    });
    return res.status;
  }

  it('run builds and pushes the package, then kubectl runs the pushed digest with the arguments after --', async () => {
    const r = await runCli([
      'run',
      './cmd/gamma',
      ...pushTo('run'),
      ...dryRun(),
      '-o',
      'yaml',
      '--restart=Never',
      '--',
      '-once',
    ]);
    expect(plain(r.stderr)).toBe('');
    expect(r.code).toBe(0);
    const pod = parse(r.stdout) as {
      kind: string;
      metadata: { name: string };
      spec: { containers: Array<{ image: string; args: string[] }>; restartPolicy: string };
    };
    expect(pod.kind).toBe('Pod');
    expect(pod.metadata.name).toBe('gamma');
    expect(pod.spec.restartPolicy).toBe('Never');
    const [container] = pod.spec.containers;
    expect(container?.args).toEqual(['-once']);
    expect(container?.image).toMatch(DIGEST_REF);
    expect(container?.image).toContain('/run/gamma@');
    expect(await manifestStatus(container?.image as string)).toBe(200);
    expect(kube.others).toEqual([]);
  });

  it('create resolves the manifests and gives them to kubectl create', async () => {
    const r = await runCli([
      'create',
      '-f',
      join(K8S, 'deployment.yaml'),
      ...pushTo('create'),
      ...dryRun(),
      '-o',
      'yaml',
      '--validate=false',
    ]);
    expect(plain(r.stderr)).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('minnow://');
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string });
    expect(docs.map((d) => d.kind)).toEqual(['Deployment', 'Service']);
    const printed = JSON.stringify(docs);
    const images = [...new Set(printed.match(/127\.0\.0\.1:\d+\/create\/[a-z]+@sha256:[0-9a-f]{64}/g))];
    expect(images.map((i) => i.split('/')[2]?.split('@')[0]).sort()).toEqual(['alpha', 'beta']);
    expect(kube.others).toEqual([]);
  });

  it('delete with -l gives kubectl only the matching documents, and builds nothing', async () => {
    const r = await runCli(['delete', '-f', join(K8S, 'deployment.yaml'), '-l', 'app=alpha', ...dryRun()]);
    expect(plain(r.stderr)).toBe('');
    expect(r.code).toBe(0);
    // The Service carries no app=alpha label.
    expect(r.stdout.trim().split('\n')).toEqual(['deployment.apps "alpha" deleted (dry run)']);
  });

  it('resolve -l builds only the images of the matching documents', async () => {
    const r = await runCli([
      'resolve',
      '-f',
      join(K8S, 'deployment.yaml'),
      '-l',
      'tier=backend,app!=beta',
      ...pushTo('selected'),
    ]);
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string });
    expect(docs.map((d) => d.kind)).toEqual(['Deployment']);
    // Kept bytes are kept: the comment and the flow-style labels are still there.
    expect(r.stdout).toContain('labels: {app: alpha, tier: "backend"}   # flow style stays flow style');
    const catalog = (await (await fetch(`${registry.url}/v2/_catalog`)).json()) as { repositories: string[] };
    expect(catalog.repositories.filter((x) => x.startsWith('selected/')).sort()).toEqual([
      'selected/alpha',
      'selected/beta',
    ]);
  });

  it('resolve -f URL reads the manifest from an http server', async () => {
    const text = await readFile(join(K8S, 'cronjob.yaml'), 'utf8');
    const agents: string[] = [];
    const server = createServer((req, res) => {
      agents.push(String(req.headers['user-agent']));
      res.writeHead(req.url === '/cronjob.yaml' ? 200 : 404, { 'content-type': 'application/yaml' });
      res.end(req.url === '/cronjob.yaml' ? text : 'no');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const r = await runCli(['resolve', '-f', `${base}/cronjob.yaml`, ...pushTo('url')]);
      expect(r.code).toBe(0);
      const job = parse(r.stdout) as {
        spec: { jobTemplate: { spec: { template: { spec: { containers: Array<{ image: string }> } } } } };
      };
      expect(job.spec.jobTemplate.spec.template.spec.containers[0]?.image).toMatch(/\/url\/gamma@sha256:/);
      expect(agents[0]).toMatch(/^minnow\//);
      const missing = await runCli([
        'resolve',
        '-f',
        `${base}/gone.yaml`,
        '--repo',
        `${registry.host}/url`,
        '-q',
      ]);
      expect(missing.code).toBe(1);
      expect(plain(missing.stderr).split('\n')[0]).toBe(`error: cannot read ${base}/gone.yaml: HTTP 404`);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('--tag-only refers to images by their one tag, and refuses latest or several tags', async () => {
    const r = await runCli([
      'resolve',
      '-f',
      join(K8S, 'cronjob.yaml'),
      '-C',
      GOAPPS,
      '--repo',
      `${registry.host}/tagonly`,
      '-t',
      'v1.2.3',
      '--tag-only',
      '-q',
    ]);
    expect(plain(r.stderr)).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`image: "${registry.host}/tagonly/gamma:v1.2.3"`);
    const tags = (await (await fetch(`${registry.url}/v2/tagonly/gamma/tags/list`)).json()) as {
      tags: string[];
    };
    // The sha256-… tags are the attached SBOM and provenance (the referrers tag schema).
    expect(tags.tags.filter((t) => !t.startsWith('sha256-'))).toEqual(['v1.2.3']);
    for (const extra of [[], ['-t', 'latest'], ['-t', 'a', '-t', 'b']]) {
      const refused = await runCli([
        'resolve',
        '-f',
        join(K8S, 'cronjob.yaml'),
        '--repo',
        `${registry.host}/x`,
        '--tag-only',
        ...extra,
      ]);
      expect(refused.code).toBe(2);
      expect(plain(refused.stderr).split('\n')[0]).toBe(
        'error: --tag-only needs exactly one --tag, and not latest',
      );
    }
  });
});
