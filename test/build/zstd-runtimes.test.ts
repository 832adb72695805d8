import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImage } from '../../src/analyze/open.js';
import { MediaType, validateImage } from '../../src/oci/index.js';
import { plain, runCli } from '../cli/build-helpers.js';
import { HELLO_DIR } from '../go/go-fixtures.js';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { freePort } from '../helpers/docker.js';
import { exec } from '../helpers/exec.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

/** GETs `url` until it answers (at most `ms`). */
async function fetchWhenUp(url: string, ms = 20_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return await res.text();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(200);
    }
  }
}

describe('zstd images (real go, skopeo, registry, containerd)', () => {
  let dir: string;
  let reg: TestRegistry;
  let containerd: TestContainerd;
  beforeAll(async () => {
    dir = await tempDir();
    reg = await startRegistry();
    containerd = await startContainerd(join(dir, 'containerd'));
  });
  afterAll(async () => {
    await containerd?.stop();
    await reg?.stop();
  });

  it('builds a zstd app layer that skopeo copies and containerd pulls and runs', async () => {
    const layout = join(dir, 'zstd');
    const built = await runCli([
      'build',
      HELLO_DIR,
      '--compression',
      'zstd:9',
      '-o',
      `oci:${layout}:v1`,
      '--json',
    ]);
    expect(built.stderr).toBe('');
    expect(built.code).toBe(0);
    const image = await openImage(`oci:${layout}:v1`);
    expect(await validateImage(image)).toEqual([]);
    const layers = (await image.manifest()).layers;
    expect(layers.at(-1)?.mediaType).toBe(MediaType.OciLayerZstd);
    const zstdBlob = await readFile(join(layout, 'blobs', 'sha256', layers.at(-1)!.digest.slice(7)));
    expect(zstdBlob.readUInt32LE(0)).toBe(0xfd2fb528);

    const ref = `${reg.host}/zstd/hello:v1`;
    await exec('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${ref}`]);
    // skopeo keeps the blobs as they are: what comes back is the same image, zstd layer included.
    await exec('skopeo', [
      'copy',
      '--src-tls-verify=false',
      `docker://${ref}`,
      `oci:${join(dir, 'back')}:v1`,
    ]);
    const back = await openImage(`oci:${join(dir, 'back')}:v1`);
    expect(await back.digest()).toBe(await image.digest());

    await containerd.ctr(['images', 'pull', '--plain-http', ref]);
    const port = await freePort();
    const task = spawn(
      'ctr',
      ['-a', containerd.socket, 'run', '--rm', '--net-host', '--env', `PORT=${port}`, ref, 'zstd-hello'],
      { stdio: 'ignore' },
    );
    try {
      expect(await fetchWhenUp(`http://127.0.0.1:${port}/`)).toBe('Hello from the smallest Go container!');
    } finally {
      await containerd.ctr(['tasks', 'kill', '-s', 'SIGKILL', 'zstd-hello']).catch(() => '');
      await new Promise<void>((resolve) =>
        task.exitCode !== null ? resolve() : task.once('exit', () => resolve()),
      );
      await containerd.ctr(['containers', 'rm', 'zstd-hello']).catch(() => '');
    }
  });

  it('keeps gzip for a docker tarball (the Engine 20.10 cannot read zstd) and says so', async () => {
    const file = join(dir, 'hello.tar');
    const built = await runCli(['build', HELLO_DIR, '--compression', 'zstd', '-o', `docker:${file}`]);
    expect(built.code).toBe(0);
    expect(plain(built.stderr)).toContain(
      '--output docker: zstd layers are not read by the Docker Engine 20.10: this image keeps gzip',
    );
    const raw = JSON.parse(await exec('skopeo', ['inspect', '--raw', `docker-archive:${file}`])) as {
      layers: { mediaType: string }[];
    };
    expect(raw.layers.map((l) => l.mediaType).filter((t) => t.includes('zstd'))).toEqual([]);
  });

  it('refuses a level out of range in one line, exit 2', async () => {
    const r = await runCli(['build', HELLO_DIR, '--compression', 'zstd:30', '-o', `oci:${join(dir, 'x')}`]);
    expect(r.code).toBe(2);
    expect(plain(r.stderr).trim()).toBe('error: --compression: zstd levels are 1 to 19, got 30');
  });
});
