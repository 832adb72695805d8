import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { readManifests } from '../../src/resolve/read-manifests.js';
import { joinManifests, resolveManifests, type Publisher } from '../../src/resolve/resolve-manifests.js';

const K8S = join(import.meta.dirname, '..', 'fixtures', 'k8s');

/** A publisher that records calls and answers with a digest derived from the package. */
function recordingPublisher(delayMs = 20): Publisher & { calls: string[]; maxInFlight: number } {
  let inFlight = 0;
  const calls: string[] = [];
  const fn = async (pkg: string): Promise<string> => {
    calls.push(pkg);
    inFlight++;
    fn.maxInFlight = Math.max(fn.maxInFlight, inFlight);
    await sleep(delayMs);
    inFlight--;
    const hex = createHash('sha256').update(pkg).digest('hex');
    return `127.0.0.1:5000/t/${pkg.split('/').pop()}@sha256:${hex}`;
  };
  fn.calls = calls;
  fn.maxInFlight = 0;
  return fn;
}

/** Undoes the rewrite: if only references changed, putting them back gives the original bytes. */
function unresolve(text: string, images: Map<string, string>): string {
  let out = text;
  for (const [pkg, image] of images) out = out.replaceAll(image, `minnow://${pkg}`);
  return out;
}

describe('resolveManifests', () => {
  it('rewrites a Deployment, a CronJob and a Helm-rendered file and changes nothing else', async () => {
    const sources = await readManifests([
      join(K8S, 'deployment.yaml'),
      join(K8S, 'cronjob.yaml'),
      join(K8S, 'helm-rendered.yaml'),
    ]);
    const publish = recordingPublisher();
    const result = await resolveManifests(sources, { publish });
    expect([...result.images.keys()].sort()).toEqual([
      'minnow.test/goapps/cmd/alpha',
      'minnow.test/goapps/cmd/beta',
      'minnow.test/goapps/cmd/gamma',
    ]);
    expect(publish.calls.sort()).toEqual([...result.images.keys()].sort());
    for (const [i, m] of result.manifests.entries()) {
      expect(m.text).not.toMatch(/image: ["']?minnow:\/\//);
      expect(unresolve(m.text, result.images)).toBe(sources[i]?.text);
    }
    const helm = result.manifests[2]?.text ?? '';
    expect(helm).toContain('# Source: goapps/templates/deployment.yaml');
    expect(helm).toContain('sidecar: see minnow:// in the README');
    expect(helm).toContain(`image: "${result.images.get('minnow.test/goapps/cmd/alpha')}"`);
    const deployment = result.manifests[0]?.text ?? '';
    expect(deployment).toContain(
      `image: '${result.images.get('minnow.test/goapps/cmd/beta')}'   # single-quoted`,
    );
    // Still the same Kubernetes objects, with the images swapped.
    const docs = parseAllDocuments(deployment) as ReturnType<typeof parseAllDocuments> & unknown[];
    const spec = (docs[0]?.toJS() as { spec: { template: { spec: { containers: { image: string }[] } } } })
      .spec;
    expect(spec.template.spec.containers[0]?.image).toMatch(
      /^127\.0\.0\.1:5000\/t\/alpha@sha256:[0-9a-f]{64}$/,
    );
    expect(result.references).toHaveLength(5);
    expect(result.references[0]).toMatchObject({ file: join(K8S, 'deployment.yaml'), line: 25 });
  });

  it('publishes each of 3 packages once for a directory of 20 manifests, bounded in parallel', async () => {
    const sources = await readManifests([join(K8S, 'fleet')], { recursive: true });
    expect(sources).toHaveLength(20);
    const publish = recordingPublisher(50);
    const result = await resolveManifests(sources, { publish, concurrency: 2 });
    expect(publish.calls).toHaveLength(3);
    expect(new Set(publish.calls).size).toBe(3);
    expect(publish.maxInFlight).toBe(2);
    expect(result.references).toHaveLength(17);
    const all = joinManifests(result.manifests);
    expect(all).not.toContain('minnow://');
    expect(parseAllDocuments(all)).toHaveLength(20);
  });

  it('reads - from stdin, in the order the arguments are given', async () => {
    const { Readable } = await import('node:stream');
    const stdin = Readable.from([Buffer.from('image: minnow://example.com/from-stdin\n')]);
    const sources = await readManifests([join(K8S, 'cronjob.yaml'), '-'], { stdin });
    expect(sources.map((s) => s.path)).toEqual([join(K8S, 'cronjob.yaml'), '-']);
    expect(sources[1]?.text).toBe('image: minnow://example.com/from-stdin\n');
    await expect(readManifests([join(K8S, 'nope.yaml')])).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reads only the top directory without -R', async () => {
    const sources = await readManifests([join(K8S, 'fleet')]);
    expect(sources).toHaveLength(14);
  });

  it('resolves minnow://./cmd/x against the module path, and refuses it when no module is known', async () => {
    const sources = [{ path: 'a.yaml', text: 'image: minnow://./cmd/alpha\n' }];
    const publish = recordingPublisher(1);
    const r = await resolveManifests(sources, { publish, modulePath: 'minnow.test/goapps' });
    expect(publish.calls).toEqual(['minnow.test/goapps/cmd/alpha']);
    expect(r.manifests[0]?.text).toMatch(/^image: 127\.0\.0\.1:5000\/t\/alpha@sha256:[0-9a-f]{64}\n$/);
    await expect(resolveManifests(sources, { publish })).rejects.toThrow(/a\.yaml:1:8: .* is relative/);
  });

  it('stops on the first failure, cancels the others, and names the package', async () => {
    const sources = await readManifests([join(K8S, 'fleet')], { recursive: true });
    const aborted: string[] = [];
    const publish: Publisher = async (pkg, signal) => {
      if (pkg.endsWith('beta')) throw new Error('registry said no');
      await new Promise((resolve, reject) => {
        const t = setTimeout(resolve, 2000);
        signal?.addEventListener('abort', () => {
          clearTimeout(t);
          aborted.push(pkg);
          reject(new Error('aborted'));
        });
      });
      return `r/x@sha256:${'0'.repeat(64)}`;
    };
    const started = Date.now();
    await expect(resolveManifests(sources, { publish, concurrency: 3 })).rejects.toMatchObject({
      subject: 'minnow.test/goapps/cmd/beta',
      message: expect.stringMatching(/registry said no/),
    });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(aborted.length).toBeGreaterThan(0);
  });

  it('refuses a publisher answer that is not pinned by digest', async () => {
    const publish: Publisher = async () => 'r/x:latest';
    await expect(
      resolveManifests([{ path: 'a.yaml', text: 'image: minnow://example.com/a\n' }], { publish }),
    ).rejects.toThrow(/not REPO\/NAME@sha256/);
  });

  it('takes REPO/NAME:TAG only when told the publisher answers by tag (--tag-only)', async () => {
    const publish: Publisher = async () => 'r.example/team/x:v1';
    const text = 'image: minnow://example.com/a\n';
    const r = await resolveManifests([{ path: 'a.yaml', text }], { publish, tagOnly: true });
    expect(r.manifests[0]?.text).toBe('image: r.example/team/x:v1\n');
    const digest: Publisher = async () => `r.example/team/x@sha256:${'0'.repeat(64)}`;
    await expect(
      resolveManifests([{ path: 'a.yaml', text }], { publish: digest, tagOnly: true }),
    ).rejects.toThrow(/not REPO\/NAME:TAG/);
  });
});

describe('joinManifests', () => {
  it('separates files with --- unless they start with one, and keeps each file as it is', () => {
    expect(
      joinManifests([
        { path: 'a', text: 'a: 1' },
        { path: 'b', text: 'b: 2\n' },
        { path: 'c', text: '---\nc: 3\n' },
      ]),
    ).toBe('a: 1\n---\nb: 2\n---\nc: 3\n');
  });
});
