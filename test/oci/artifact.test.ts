import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLayout } from '../../src/base/layout.js';
import {
  artifactOf,
  EMPTY_DESCRIPTOR,
  mutate,
  parseManifest,
  readArtifactBlob,
  sha256,
  validateImage,
  type Descriptor,
} from '../../src/oci/index.js';
import { writeLayout } from '../../src/publish/layout.js';
import { pushImage } from '../../src/publish/registry.js';
import { RegistryClient } from '../../src/registry/client.js';
import { exec } from '../helpers/exec.js';
import { testImage } from '../helpers/images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

async function subjectOf(image: Awaited<ReturnType<typeof testImage>>): Promise<Descriptor> {
  const raw = await image.rawManifest();
  return { mediaType: await image.mediaType(), digest: await image.digest(), size: raw.length };
}

describe('artifacts in the model', () => {
  it('the empty descriptor is the two bytes {} with their digest inline', () => {
    expect(EMPTY_DESCRIPTOR).toEqual({
      mediaType: 'application/vnd.oci.empty.v1+json',
      digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
      size: 2,
      data: 'e30=',
    });
  });

  it('an artifact has the empty config, its blobs as layers, artifactType, subject and annotations', async () => {
    const dir = await tempDir();
    const image = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from('a') }]);
    const subject = await subjectOf(image);
    const data = Buffer.from('{"spdxVersion":"SPDX-2.3"}');
    const a = artifactOf({
      artifactType: 'application/spdx+json',
      layers: [{ mediaType: 'application/spdx+json', data }],
      subject: { ...subject, platform: { os: 'linux', architecture: 'amd64' } },
      annotations: { 'org.opencontainers.image.created': '1970-01-01T00:00:00Z' },
    });
    const m = parseManifest(await a.rawManifest());
    expect(m.config).toEqual(EMPTY_DESCRIPTOR);
    expect(m.artifactType).toBe('application/spdx+json');
    // A subject names the manifest only: no platform copied from an index entry.
    expect(m.subject).toEqual(subject);
    expect(m.layers).toEqual([
      { mediaType: 'application/spdx+json', digest: sha256(data), size: data.length },
    ]);
    expect(m.annotations).toEqual({ 'org.opencontainers.image.created': '1970-01-01T00:00:00Z' });
    const blobs = await a.blobs();
    expect(blobs.map((b) => b.descriptor.digest)).toEqual([EMPTY_DESCRIPTOR.digest, sha256(data)]);
    expect(await readArtifactBlob(blobs[1]!)).toEqual(data);
    expect(() => artifactOf({ layers: [] })).toThrow(/needs an artifactType/);
  });

  it('mutate sets subject, and the image stays valid', async () => {
    const dir = await tempDir();
    const base = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from('a') }]);
    const subject = await subjectOf(base);
    const child = await mutate(base, { subject });
    expect((await child.manifest()).subject).toEqual(subject);
    expect(await validateImage(child)).toEqual([]);
    expect(await (await mutate(base, {})).manifest()).not.toHaveProperty('subject');
  });

  it('a layout holds an image and its referrer; skopeo and the layout reader still pick the image', async () => {
    const dir = await tempDir();
    const image = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from('a') }]);
    const out = join(dir, 'layout');
    await writeLayout(out, { kind: 'image', image });
    const a = artifactOf({
      artifactType: 'application/spdx+json',
      layers: [{ mediaType: 'application/spdx+json', data: Buffer.from('{}\n') }],
      subject: await subjectOf(image),
    });
    await writeLayout(out, { kind: 'artifact', artifact: a });
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as {
      manifests: Descriptor[];
    };
    expect(index.manifests.map((d) => [d.digest, d.artifactType])).toEqual([
      [await image.digest(), undefined],
      [await a.digest(), 'application/spdx+json'],
    ]);
    const back = await readLayout(out);
    expect(back.kind === 'image' && (await back.image.digest())).toBe(await image.digest());
    // Every blob the artifact names is in the layout, the empty config included.
    for (const d of [EMPTY_DESCRIPTOR, ...parseManifest(await a.rawManifest()).layers]) {
      const bytes = await readFile(join(out, 'blobs', 'sha256', d.digest.slice(7)));
      expect(sha256(bytes)).toBe(d.digest);
    }
    const copy = join(dir, 'copy');
    await writeLayout(copy, { kind: 'artifact', artifact: a });
    expect(JSON.parse(await exec('skopeo', ['inspect', '--raw', `oci:${copy}`])) as unknown).toEqual(
      JSON.parse((await a.rawManifest()).toString()),
    );
  });

  describe('against the distribution registry', () => {
    let reg: TestRegistry;
    beforeAll(async () => {
      reg = await startRegistry();
    });
    afterAll(async () => reg?.stop());

    it('pushes an artifact with a subject, by digest, and reads it back byte for byte', async () => {
      const dir = await tempDir();
      const env = { ...process.env, DOCKER_CONFIG: join(dir, 'docker-config') };
      const image = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from('a') }]);
      await pushImage(`${reg.host}/art/app:v1`, { kind: 'image', image }, { env });
      const a = artifactOf({
        artifactType: 'application/vnd.example+json',
        layers: [{ mediaType: 'application/vnd.example+json', data: Buffer.from('{"x":1}') }],
        subject: await subjectOf(image),
      });
      const res = await pushImage(
        { registry: reg.host, repository: 'art/app' },
        { kind: 'artifact', artifact: a },
        { env },
      );
      expect(res.digest).toBe(await a.digest());
      expect(res.tags).toEqual([]);
      expect(res.uploaded).toBe(2);
      const client = new RegistryClient({ env });
      try {
        const got = await client.getManifest({ registry: reg.host, repository: 'art/app' }, res.digest);
        expect(got.raw).toEqual(await a.rawManifest());
      } finally {
        await client.close();
      }
    });
  });
});
