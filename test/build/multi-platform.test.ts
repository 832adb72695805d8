import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type BuildResult } from '../../src/build/build.js';
import { assertValid, formatPlatform, type Image } from '../../src/oci/index.js';
import { createSink } from '../../src/publish/sinks/index.js';
import { HELLO_DIR } from '../go/go-fixtures.js';
import { httpGetWhenUp, runServer } from '../helpers/docker.js';
import { exec } from '../helpers/exec.js';
import { tempDir } from '../helpers/tmp.js';

const PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
];

/** The first 20 bytes of a file in an image (enough for the ELF identification and e_machine). */
async function fileHead(image: Image, path: string): Promise<Buffer> {
  for (const layer of await image.layers()) {
    const extract = tar.extract();
    (await layer.uncompressed()).pipe(extract);
    for await (const entry of extract) {
      if (`/${entry.header.name}` !== path) {
        entry.resume();
        continue;
      }
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      return Buffer.concat(chunks).subarray(0, 20);
    }
  }
  throw new Error(`${path} not in image`);
}

/** ELF class (1 = 32-bit, 2 = 64-bit) and machine (62 x86-64, 183 AArch64, 40 ARM). */
function elf(head: Buffer): { class: number; machine: number } {
  expect(head.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
  return { class: head[4] as number, machine: head.readUInt16LE(18) };
}

describe('multi-platform build of examples/hello (real go, skopeo, Engine)', () => {
  let result: BuildResult;
  let layout: string;
  const images: string[] = [];

  beforeAll(async () => {
    result = await build({ dir: HELLO_DIR, platforms: PLATFORMS, cacheDir: await tempDir() });
    layout = join(await tempDir(), 'hello-oci');
    await createSink(`oci:${layout}:multi`).write(result.target);
  });
  afterAll(async () => {
    for (const i of images) await exec('docker', ['rmi', '-f', i]).catch(() => undefined);
  });

  it('is an index with one image per platform, each holding a binary for its CPU', async () => {
    expect(result.target.kind).toBe('index');
    if (result.target.kind !== 'index') return;
    await assertValid(result.target.index);
    const want: Record<string, { class: number; machine: number }> = {
      'linux/amd64': { class: 2, machine: 62 },
      'linux/arm64': { class: 2, machine: 183 },
      'linux/arm/v7': { class: 1, machine: 40 },
    };
    expect(result.images.map((i) => formatPlatform(i.platform))).toEqual(Object.keys(want));
    for (const built of result.images) {
      const head = await fileHead(built.image, '/app/hello');
      expect(elf(head), formatPlatform(built.platform)).toEqual(want[formatPlatform(built.platform)]);
      const config = await built.image.configFile();
      expect([config.os, config.architecture, config.variant]).toEqual([
        built.platform.os,
        built.platform.architecture,
        built.platform.variant,
      ]);
    }
  });

  it('skopeo reads the index raw with every manifest and its platform, variant included', async () => {
    const raw = JSON.parse(await exec('skopeo', ['inspect', '--raw', `oci:${layout}:multi`])) as {
      mediaType: string;
      manifests: { digest: string; platform: { architecture: string; variant?: string } }[];
    };
    expect(raw.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(raw.manifests.map((m) => [m.platform.architecture, m.platform.variant])).toEqual([
      ['amd64', undefined],
      ['arm64', undefined],
      ['arm', 'v7'],
    ]);
    expect(raw.manifests.map((m) => m.digest)).toEqual(
      await Promise.all(result.images.map((i) => i.image.digest())),
    );
  });

  it('skopeo resolves the arm64 image from the index and copies every platform, checking every digest', async () => {
    const arm = JSON.parse(
      await exec('skopeo', [
        'inspect',
        '--override-os',
        'linux',
        '--override-arch',
        'arm64',
        `oci:${layout}:multi`,
      ]),
    ) as { Architecture: string; Digest: string };
    expect(arm.Architecture).toBe('arm64');
    // skopeo names the digest of what the reference points at: the index.
    expect(arm.Digest).toBe(result.digest);
    const copy = join(await tempDir(), 'copy');
    await exec('skopeo', ['copy', '--all', '--preserve-digests', `oci:${layout}:multi`, `oci:${copy}:multi`]);
    const copied = JSON.parse(await exec('skopeo', ['inspect', '--raw', `oci:${copy}:multi`])) as {
      manifests: unknown[];
    };
    expect(copied.manifests).toHaveLength(3);
  });

  it('runs the amd64 image, which serves the hello string', async () => {
    const tag = randomBytes(4).toString('hex');
    const written = await createSink(`daemon:minnow-test-resolve/hello-multi:${tag}`).write(result.target, {
      name: { name: 'hello', tag: 'latest' },
    });
    images.push(written.reference);
    expect(written.platform?.architecture).toBe('amd64');
    expect(written.note).toMatch(/only the linux\/amd64 image/);
    const server = await runServer(written.reference);
    try {
      expect(await httpGetWhenUp(server.port)).toBe('Hello from the smallest Go container!');
    } finally {
      await server.stop();
    }
  });
});
