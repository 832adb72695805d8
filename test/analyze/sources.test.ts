import { randomBytes } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analyze/analyze.js';
import { openImage } from '../../src/analyze/open.js';
import { readDockerArchive } from '../../src/base/docker-archive.js';
import { assertValid } from '../../src/oci/index.js';
import { writeTarball } from '../../src/publish/tarball.js';
import { cli } from '../helpers/cli.js';
import { exec } from '../helpers/exec.js';
import { alpineBase } from '../helpers/fixture-images.js';
import { tempDir } from '../helpers/tmp.js';

const BIN = fileURLToPath(new URL('../../bin/minnow.cjs', import.meta.url));
const tag = randomBytes(4).toString('hex');
const BASE = `minnow-test-analyze/alpine:${tag}`;
const BUILT = `minnow-test-analyze/built:${tag}`;

describe('image sources: docker save (legacy and OCI form), oci layout from skopeo', () => {
  let dir: string;
  let legacy: string;
  beforeAll(async () => {
    dir = await tempDir();
    await writeTarball(join(dir, 'alpine.tar'), await alpineBase(), { tags: [BASE] });
    await exec('docker', ['load', '-i', join(dir, 'alpine.tar')]);
    const ctx = join(dir, 'ctx');
    await exec('mkdir', ['-p', ctx]);
    await writeFile(
      join(ctx, 'Dockerfile'),
      [
        `FROM ${BASE}`,
        'RUN rm /sbin/apk && chmod u+s /bin/busybox && echo "-----BEGIN OPENSSH PRIVATE KEY-----" > /root/id_rsa',
        'ENV API_TOKEN=hunter2 PORT=8080',
        'EXPOSE 8080/tcp 22/tcp',
        'USER 1000:1000',
        '',
      ].join('\n'),
    );
    await exec('docker', ['build', '--network', 'none', '-q', '-t', BUILT, ctx]);
    legacy = join(dir, 'built.tar');
    await exec('docker', ['save', '-o', legacy, BUILT]);
  }, 180_000);
  afterAll(async () => {
    await exec('docker', ['rmi', '-f', BUILT, BASE]).catch(() => undefined);
  });

  it('reads a legacy docker save archive from the Engine, whiteouts and all', async () => {
    const target = await readDockerArchive(legacy);
    expect(target.kind).toBe('image');
    const image = await openImage(legacy);
    await assertValid(image);
    const a = await analyzeImage(image);
    expect(a.layers).toHaveLength(2);
    expect(a.layers.map((l) => l.compression)).toEqual(['none', 'none']);
    expect(a.layers[1]?.whiteouts).toBe(1);
    // apk was deleted by a whiteout; busybox was copied up by chmod, which wastes its first copy.
    expect(a.utilities.packageManagers).toEqual([]);
    expect(a.packages).toHaveLength(15);
    expect(a.efficiency.score).toBeLessThan(1);
    const busybox = a.efficiency.wasted.find((w) => w.path === '/bin/busybox');
    const apk = a.efficiency.wasted.find((w) => w.path === '/sbin/apk');
    expect(busybox?.count).toBe(2);
    expect(apk?.count).toBe(1);
    expect(a.efficiency.wastedBytes).toBe((busybox?.wastedBytes ?? 0) + (apk?.wastedBytes ?? 0));
    expect(a.config.user).toBe('1000:1000');
    expect(a.config.runsAsRoot).toBe(false);
    expect(a.config.exposedPorts).toEqual(['22/tcp', '8080/tcp']);
    expect(a.config.env).toContain('API_TOKEN=<redacted>');
    expect(JSON.stringify(a)).not.toContain('hunter2');
    const rules = a.findings.map((f) => f.rule);
    expect(rules).toEqual(
      expect.arrayContaining(['MN-NS-001', 'MN-NS-002', 'MN-UP-002', 'MN-CF-004', 'MN-CF-005']),
    );
    expect(rules).not.toContain('MN-UP-001');
    expect(rules).not.toContain('MN-SU-002');
    expect(a.findings.find((f) => f.rule === 'MN-CF-004')?.paths).toEqual(['/root/id_rsa']);
    expect(a.findings.find((f) => f.rule === 'MN-UP-002')?.paths).toEqual(['/bin/busybox']);
  });

  it('reads an image from the Docker Engine (daemon:) with the same filesystem', async () => {
    const fromDaemon = await analyzeImage(await openImage(`daemon:${BUILT}`));
    const fromFile = await analyzeImage(await openImage(legacy));
    expect(fromDaemon.layers.map((l) => l.diffId)).toEqual(fromFile.layers.map((l) => l.diffId));
    expect(fromDaemon.findings).toEqual(fromFile.findings);
    await expect(openImage(`daemon:minnow-test-analyze/absent:${tag}`)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it("daemon: streams the Engine's docker save, reporting the bytes received, as many as docker save writes", async () => {
    const seen: [number, number | undefined][] = [];
    await openImage(`daemon:${BUILT}`, { onEngineRead: (n, of) => seen.push([n, of]) });
    const saved = (await stat(legacy)).size;
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)?.[0]).toBe(saved);
    expect(seen.every(([n], i) => i === 0 || n > seen[i - 1]![0])).toBe(true);
    const size = JSON.parse(
      await exec('docker', ['image', 'inspect', '--format', '{{json .Size}}', BUILT]),
    ) as number;
    expect(seen[0]?.[1]).toBe(size);
    process.env.MINNOW_TIMING = '1';
    try {
      const r = await cli(['analyze', `daemon:${BUILT}`]);
      expect(r.status).toBe(0);
      expect(r.err).toMatch(
        /reading daemon:\S+: [\d.]+ [kM]B of about [\d.]+ [kM]B received from the Engine/,
      );
    } finally {
      delete process.env.MINNOW_TIMING;
    }
  });

  it('estimates the pulled size of the uncompressed layers a legacy archive holds when asked, and says which', async () => {
    const stored = await analyzeImage(await openImage(legacy));
    expect(stored.size.compressed).toBe(stored.size.uncompressed);
    const estimated = await analyzeImage(await openImage(legacy), { estimateCompressed: true });
    expect(estimated.size.compressedEstimated).toBe(true);
    expect(estimated.size.compressed).toBeLessThan(estimated.size.uncompressed * 0.7);
    const asked = await exec(process.execPath, [
      BIN,
      'analyze',
      `docker-archive:${legacy}`,
      '--estimate-push-size',
    ]);
    expect(asked).toMatch(/compressed \(gzip estimate: stored uncompressed\)/);
    const plain = await exec(process.execPath, [BIN, 'analyze', `docker-archive:${legacy}`]);
    expect(plain).toMatch(/ as stored \(layers stored uncompressed; --estimate-push-size estimates a push\)/);
    expect(plain).not.toMatch(/gzip estimate/);
  });

  it('picks an image by tag and refuses an unknown one', async () => {
    const image = await openImage(`docker-archive:${legacy}:${BUILT}`);
    expect((await image.configFile()).config?.User).toBe('1000:1000');
    await expect(openImage(`docker-archive:${legacy}:nope:1`)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reads the Docker 25+ OCI form of docker save with the real manifest digest', async () => {
    const image = await openImage(legacy);
    const oci = join(dir, 'oci-form.tar');
    const written = await writeTarball(oci, image, { tags: [BUILT] });
    const back = await openImage(oci);
    expect(await back.digest()).toBe(written.digest);
    await assertValid(back);
    const a = await analyzeImage(back);
    const b = await analyzeImage(image);
    expect(a.files).toEqual(b.files);
    expect(a.findings).toEqual(b.findings);
  });

  it('reads an OCI layout written by skopeo, by tag', async () => {
    const layout = join(dir, 'layout');
    await exec('skopeo', ['copy', '-q', `docker-archive:${legacy}`, `oci:${layout}:v1`]);
    const image = await openImage(`oci:${layout}:v1`);
    await assertValid(image);
    const a = await analyzeImage(image);
    // skopeo compresses the layers; the filesystem is the same.
    expect(a.layers.map((l) => l.compression)).toEqual(['gzip', 'gzip']);
    const b = await analyzeImage(await openImage(legacy));
    expect(a.layers.map((l) => l.diffId)).toEqual(b.layers.map((l) => l.diffId));
    expect(a.size.compressed).toBeLessThan(b.size.compressed);
    expect(a.files).toEqual(b.files);
  });

  it('reads zstd layers (skopeo --dest-compress-format zstd), told by their magic bytes', async () => {
    const layout = join(dir, 'zstd');
    await exec('skopeo', [
      'copy',
      '-q',
      '--dest-compress-format',
      'zstd',
      `docker-archive:${legacy}`,
      `oci:${layout}:z`,
    ]);
    const image = await openImage(`oci:${layout}:z`);
    const a = await analyzeImage(image);
    expect(a.layers.map((l) => l.compression)).toEqual(['zstd', 'zstd']);
    const b = await analyzeImage(await openImage(legacy));
    expect(a.layers.map((l) => l.diffId)).toEqual(b.layers.map((l) => l.diffId));
    expect(a.files).toEqual(b.files);
  });
});
