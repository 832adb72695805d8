import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushImage } from '../../../src/publish/registry.js';
import { HELLO_DIR } from '../../go/go-fixtures.js';
import { exec } from '../../helpers/exec.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { tempDir } from '../../helpers/tmp.js';
import { alpineImage } from '../../registry/fixtures.js';
import { plain, runCli } from '../build-helpers.js';

const LINE = /^pull (layer|config) [0-9a-f]{12} [0-9.]+ (B|kB|MB): (started|done|from cache)$/;

describe('minnow build with registry bases and pushes (real CLI, real go, real registry)', () => {
  let reg: TestRegistry;
  let dir: string;
  let base: string;
  const savedCache = process.env.MINNOW_CACHE_DIR;
  beforeAll(async () => {
    reg = await startRegistry();
    dir = await tempDir();
    // An empty cache, so the base's blobs are really downloaded (not served from an earlier run's cache).
    process.env.MINNOW_CACHE_DIR = join(dir, 'cache');
    base = `${reg.host}/base/alpine:3.19`;
    await pushImage(base, { kind: 'image', image: await alpineImage('amd64') });
  });
  afterAll(async () => {
    if (savedCache === undefined) delete process.env.MINNOW_CACHE_DIR;
    else process.env.MINNOW_CACHE_DIR = savedCache;
    await reg?.stop();
  });

  it('prints a line per pull step when stderr is not a TTY, and nothing but the JSON with --json', async () => {
    const built = await runCli(['build', HELLO_DIR, '--base', base, '-o', `oci:${join(dir, 'a')}`]);
    expect(built.code).toBe(0);
    const lines = plain(built.stderr).split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(LINE);
    const layer = (await (await alpineImage('amd64')).manifest()).layers[0]!.digest.slice(7, 19);
    expect(lines).toContainEqual(expect.stringMatching(`^pull layer ${layer} 3\\.\\d+ MB: started$`));
    expect(lines).toContainEqual(expect.stringMatching(`^pull layer ${layer} 3\\.\\d+ MB: done$`));

    process.env.MINNOW_CACHE_DIR = join(dir, 'cache2');
    const json = await runCli(['build', HELLO_DIR, '--base', base, '-o', `oci:${join(dir, 'b')}`, '--json']);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toMatchObject({ base });
  });

  it('analyze prints the same lines for what it pulls', async () => {
    process.env.MINNOW_CACHE_DIR = join(dir, 'cache3');
    const r = await runCli(['analyze', base, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    process.env.MINNOW_CACHE_DIR = join(dir, 'cache4');
    const text = await runCli(['analyze', base]);
    expect(text.code).toBe(0);
    expect(plain(text.stderr)).toMatch(/^pull layer [0-9a-f]{12} 3\.\d+ MB: started$/m);
  });

  it('pushes every --tag of --repo, all naming the same digest', async () => {
    const repo = `${reg.host}/app`;
    const r = await runCli([
      'build',
      HELLO_DIR,
      '-o',
      `oci:${join(dir, 'pushed')}`,
      '--repo',
      repo,
      '--tag',
      'v1',
      '--tag',
      'latest',
      '-q',
    ]);
    expect(plain(r.stderr)).toBe('');
    expect(r.code).toBe(0);
    // -q prints one line for what was pushed: name@digest (the digest alone only when nothing was pushed).
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const digest = lines[0]?.split('@')[1] ?? '';
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(lines[0]).toBe(`${repo}@${digest}`);
    for (const tag of ['v1', 'latest']) {
      const inspect = JSON.parse(
        await exec('skopeo', ['inspect', '--tls-verify=false', `docker://${repo}:${tag}`]),
      ) as { Digest: string };
      expect(inspect.Digest).toBe(digest);
    }
  });
});
