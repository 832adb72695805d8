import { access, cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeDockerfile } from '../../src/dockerfile/generate.js';
import { httpGetWhenUp, runServer } from '../helpers/docker.js';
import { containerUid, removeImages, testTag } from '../helpers/docker-build.js';
import { exec } from '../helpers/exec.js';
import { loadDockerfileBases } from '../helpers/go-builder-image.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Debian's docker.io client (20.10) drives the Engine's built-in BuildKit with DOCKER_BUILDKIT=1 and needs no
 * buildx plugin (a newer client on PATH may refuse without one). Offline, the `# syntax=` line must go: it
 * asks BuildKit to pull the Dockerfile frontend image, and the built-in frontend already knows RUN --mount.
 * The Engine runs with --bridge=none, so builds use the host network.
 */
const DEBIAN_DOCKER = '/usr/bin/docker';
const HELLO = fileURLToPath(new URL('../../examples/hello/', import.meta.url));
const GREETING = 'from the smallest Go container!';
const tags: string[] = [];

/** A BuildKit build; returns its plain progress log (BuildKit writes it on stderr). */
async function buildkitBuild(dir: string, tag: string): Promise<string> {
  return exec('sh', [
    '-c',
    `DOCKER_BUILDKIT=1 ${DEBIAN_DOCKER} build --network host --progress plain -t "$1" "$2" 2>&1`,
    'sh',
    tag,
    dir,
  ]);
}

/** Whether the plain-progress step whose title matches `title` was answered from the cache (`#N CACHED`). */
function stepCached(log: string, title: RegExp): boolean {
  const step = log
    .split('\n')
    .map((l) => /^#(\d+) \[build \d+\/\d+\] (.*)$/.exec(l))
    .find((m) => m !== null && title.test(m[2] ?? ''));
  if (!step) throw new Error(`no build step matching ${title} in:\n${log}`);
  return log.split('\n').includes(`#${step[1]} CACHED`);
}

beforeAll(async () => {
  await access(DEBIAN_DOCKER).catch(() => {
    throw new Error(`${DEBIAN_DOCKER} (Debian's docker.io client) is needed for the BuildKit tests`);
  });
  await loadDockerfileBases(['1.21']);
}, 600_000);

afterAll(async () => {
  await removeImages(tags);
});

describe('generated Dockerfile with BuildKit (cache mounts)', () => {
  test('builds offline, runs as 65532, and an edit reuses the module download and the Go build cache', async () => {
    const dir = join(await tempDir(), 'hello');
    await cp(HELLO, dir, { recursive: true });
    const written = await writeDockerfile({ dir, base: 'static' });
    expect(written.dockerfile).toMatch(/--mount=type=cache,target=\/root\/\.cache\/go-build/);
    const offline = written.dockerfile.replace(/^# syntax=.*\n/, '');
    await writeFile(written.dockerfilePath, offline);
    const tag = testTag('buildkit');
    tags.push(tag);
    await buildkitBuild(dir, tag);
    let c = await runServer(tag);
    try {
      expect(await httpGetWhenUp(c.port)).toBe(`Hello ${GREETING}`);
      expect(await containerUid(c.id)).toBe(65532);
    } finally {
      await c.stop();
    }

    const main = join(dir, 'main.go');
    const word = `Hi-${Date.now().toString(36)}`;
    await writeFile(main, (await readFile(main, 'utf8')).replace('Hello from', `${word} from`));
    const log = await buildkitBuild(dir, tag);
    // The module download step comes from the layer cache; the compile step runs again (with its cache mount).
    expect(stepCached(log, /go mod download/)).toBe(true);
    expect(stepCached(log, /go build -trimpath/)).toBe(false);
    c = await runServer(tag);
    try {
      expect(await httpGetWhenUp(c.port)).toBe(`${word} ${GREETING}`);
    } finally {
      await c.stop();
    }
  }, 600_000);
});
