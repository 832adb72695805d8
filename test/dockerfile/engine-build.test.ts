import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { STATIC_TEXT_FILES } from '../../src/base/builtin-files.js';
import { writeDockerfile } from '../../src/dockerfile/generate.js';
import { lintFile } from '../../src/dockerfile/lint/lint.js';
import { httpGetWhenUp, runServer } from '../helpers/docker.js';
import { containerUid, imageSize, legacyBuild, removeImages, testTag } from '../helpers/docker-build.js';
import { exec } from '../helpers/exec.js';
import { loadDockerfileBases } from '../helpers/go-builder-image.js';
import { tempDir } from '../helpers/tmp.js';

const HELLO = fileURLToPath(new URL('../../examples/hello/', import.meta.url));
const ARTICLE = fileURLToPath(new URL('../fixtures/article/', import.meta.url));
const GREETING = 'Hello from the smallest Go container!';
const tags: string[] = [];
const sizes = new Map<string, number>();

async function helloCopy(): Promise<string> {
  const dir = join(await tempDir(), 'hello');
  await cp(HELLO, dir, { recursive: true });
  return dir;
}

beforeAll(async () => {
  // golang:1.21 (the host's Go standing in), alpine:3.19 and distroless static-debian12, loaded offline.
  await loadDockerfileBases(['1.21']);
}, 600_000);

afterAll(async () => {
  await removeImages(tags);
});

describe('generated Dockerfiles with the Engine (legacy builder)', () => {
  for (const base of ['scratch', 'static', 'distroless', 'alpine:3.19']) {
    test(`--base ${base}: builds, runs as 65532 and answers on 127.0.0.1`, async () => {
      const dir = await helloCopy();
      const written = await writeDockerfile({ dir, base, buildkit: false, ports: [8080] });
      expect((await lintFile(written.dockerfilePath)).findings.filter((f) => f.severity !== 'low')).toEqual(
        [],
      );
      const tag = testTag(base.replace(/[:.]/g, '-'));
      tags.push(tag);
      await legacyBuild(dir, tag);
      sizes.set(base, await imageSize(tag));
      const config = JSON.parse(
        await exec('docker', ['image', 'inspect', '--format', '{{json .Config}}', tag]),
      ) as {
        User: string;
        Entrypoint: string[];
        ExposedPorts: Record<string, object>;
        Labels: Record<string, string>;
      };
      expect(config.User).toBe('65532:65532');
      expect(config.Entrypoint).toEqual(['/app/hello']);
      expect(Object.keys(config.ExposedPorts)).toEqual(['8080/tcp']);
      expect(config.Labels['org.opencontainers.image.title']).toBe('hello');
      if (base === 'static') {
        // No shell to look with: copy the files out of a created (never started) container.
        const id = (await exec('docker', ['create', tag])).trim();
        try {
          // The same files as minnow build --base static writes, and no time zones unless asked (as build).
          for (const [path, text] of Object.entries(STATIC_TEXT_FILES)) {
            expect(await exec('docker', ['cp', `${id}:${path}`, '-'])).toContain(text);
          }
          await expect(exec('docker', ['cp', `${id}:/usr/share/zoneinfo.zip`, '-'])).rejects.toThrow();
        } finally {
          await exec('docker', ['rm', id]);
        }
      }
      const c = await runServer(tag);
      try {
        expect(await httpGetWhenUp(c.port)).toBe(GREETING);
        expect(await containerUid(c.id)).toBe(65532);
      } finally {
        await c.stop();
      }
    }, 300_000);
  }

  test('the stripped binary makes the generated image smaller than the article’s for the same base', async () => {
    const dir = await helloCopy();
    await cp(join(ARTICLE, 'Dockerfile.scratch'), join(dir, 'Dockerfile.scratch'));
    const tag = testTag('article-scratch');
    tags.push(tag);
    await legacyBuild(dir, tag, 'Dockerfile.scratch');
    const article = await imageSize(tag);
    const generated = sizes.get('scratch');
    expect(generated).toBeDefined();
    // -s -w drops the symbol table and DWARF: well over 15% of a Go server binary.
    expect(generated!).toBeLessThan(article * 0.85);
  }, 300_000);

  test('the legacy builder rejects the BuildKit variant, as its header comment says', async () => {
    const dir = await helloCopy();
    const written = await writeDockerfile({ dir, base: 'scratch' });
    expect(written.dockerfile).toMatch(/legacy builder .* cannot build this file/);
    const tag = testTag('buildkit-variant');
    tags.push(tag);
    await expect(legacyBuild(dir, tag)).rejects.toThrow(/platform|--mount/);
  }, 120_000);

  test('a one-line edit rebuilds from the cached module layer', async () => {
    const dir = await helloCopy();
    await writeDockerfile({ dir, base: 'scratch', buildkit: false });
    const tag = testTag('edit');
    tags.push(tag);
    await legacyBuild(dir, tag);
    const main = join(dir, 'main.go');
    // A word no earlier run used, so the Engine's cache cannot already hold the edited source.
    const word = `Hi-${Date.now().toString(36)}`;
    await writeFile(main, (await readFile(main, 'utf8')).replace('Hello from', `${word} from`));
    const out = await exec('docker', ['build', '-t', tag, dir], {
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
    });
    // The steps up to `go mod download` come from the cache; COPY . . and the build run again.
    const steps = out.split('\nStep ').slice(1);
    const cached = steps.map((s) => / : FROM /.test(s.split('\n')[0] ?? '') || s.includes('Using cache'));
    const download = steps.findIndex((s) => s.includes('go mod download'));
    expect(download).toBeGreaterThan(0);
    expect(cached.slice(0, download + 1).every(Boolean)).toBe(true);
    expect(cached[download + 1]).toBe(false);
    const c = await runServer(tag);
    try {
      expect(await httpGetWhenUp(c.port)).toBe(`${word} from the smallest Go container!`);
    } finally {
      await c.stop();
    }
  }, 300_000);
});
