import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import tar from 'tar-stream';
import { isMinnowError } from '../../src/errors.js';
import { buildContextTar, dockerignoreMatcher } from '../../src/dockerfile/build-context.js';
import { buildGeneratedImage, dockerBuild } from '../../src/dockerfile/docker-build.js';
import { httpGetWhenUp, runServer } from '../helpers/docker.js';
import { imageSize, removeImages, testTag } from '../helpers/docker-build.js';
import { loadDockerfileBases } from '../helpers/go-builder-image.js';
import { tempDir } from '../helpers/tmp.js';

const HELLO = fileURLToPath(new URL('../../examples/hello/', import.meta.url));
const tags: string[] = [];

async function tarNames(pack: tar.Pack): Promise<string[]> {
  const names: string[] = [];
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    names.push(header.name);
    stream.on('end', next);
    stream.resume();
  });
  const done = new Promise<void>((resolve, reject) =>
    extract.on('finish', () => resolve()).on('error', reject),
  );
  pack.pipe(extract);
  await done;
  return names.sort();
}

describe('.dockerignore matching and the build context', () => {
  test('follows the Engine rules: * within a segment, ** across, ! re-includes, last match wins', () => {
    const m = dockerignoreMatcher('# comment\n.git\n*.md\n!README.md\n**/*.test\nbuild/\n/tmp*\n');
    expect(m('.git')).toBe(true);
    expect(m('.git/objects/ab')).toBe(true);
    expect(m('NOTES.md')).toBe(true);
    expect(m('README.md')).toBe(false);
    expect(m('docs/NOTES.md')).toBe(false); // * does not cross /
    expect(m('a/b/c.test')).toBe(true);
    expect(m('build/out/x')).toBe(true);
    expect(m('tmpfile')).toBe(true);
    expect(m('main.go')).toBe(false);
  });

  test('the context tar leaves out ignored files, adds extra files, and re-includes exceptions', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, '.git'));
    await writeFile(join(dir, '.git', 'HEAD'), 'ref');
    await mkdir(join(dir, 'cmd', 'x'), { recursive: true });
    await writeFile(join(dir, 'cmd', 'x', 'main.go'), 'package main');
    await writeFile(join(dir, 'cmd', 'x', 'notes.txt'), '');
    await writeFile(join(dir, 'go.mod'), 'module x');
    await writeFile(join(dir, '.dockerignore'), '.git\ncmd\n!cmd/x/main.go\n');
    expect(
      await tarNames(await buildContextTar(dir, { extraFiles: { 'extra.Dockerfile': 'FROM scratch' } })),
    ).toEqual(['.dockerignore', 'cmd/x/main.go', 'extra.Dockerfile', 'go.mod']);
  });
});

describe('building with the Engine API', () => {
  beforeAll(() => loadDockerfileBases(['1.21']), 600_000);
  afterAll(() => removeImages(tags));

  test('buildGeneratedImage builds minnow’s Dockerfile without touching the module, and the image answers', async () => {
    const dir = join(await tempDir(), 'hello');
    await cp(HELLO, dir, { recursive: true });
    const tag = testTag('api-scratch');
    tags.push(tag);
    const r = await buildGeneratedImage({ dir, base: 'scratch', tag, ports: [8080] });
    expect(r.id).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(r.size).toBe(await imageSize(tag));
    expect(r.size).toBeLessThan(8_000_000);
    expect(r.log.join('\n')).toContain('go build -trimpath');
    expect((await readdir(dir)).sort()).toEqual(['go.mod', 'main.go']);
    const c = await runServer(tag);
    try {
      expect(await httpGetWhenUp(c.port)).toBe('Hello from the smallest Go container!');
    } finally {
      await c.stop();
    }
  }, 300_000);

  test('a failing step is one DAEMON_ERROR with the Engine’s message', async () => {
    const dir = await tempDir();
    const tag = testTag('api-fail');
    tags.push(tag);
    await expect(
      dockerBuild({ contextDir: dir, dockerfile: 'FROM alpine:3.19\nRUN exit 7\n', tag }),
    ).rejects.toSatisfy(
      (e) => isMinnowError(e, 'DAEMON_ERROR') && /returned a non-zero code: 7/.test(e.message),
    );
  }, 120_000);
});
