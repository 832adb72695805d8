import { chmod, mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { dataLayer, DATA_PATH_ENV } from '../../src/build/data-layer.js';
import { filesLayer } from '../../src/build/files-layer.js';
import type { Layer } from '../../src/oci/index.js';
import { tempDir } from '../helpers/tmp.js';

async function listing(layer: Layer): Promise<string[]> {
  const out: string[] = [];
  const extract = tar.extract();
  (await layer.uncompressed()).pipe(extract);
  for await (const e of extract) {
    const h = e.header;
    let body = '';
    for await (const c of e) body += (c as Buffer).toString();
    out.push(
      `${h.type} ${h.name} ${h.mode?.toString(8)} ${h.uid}:${h.gid} ${h.mtime?.getTime()}${body ? ` ${body}` : ''}`,
    );
  }
  return out;
}

async function dataTree(root: string, mtime: number): Promise<string> {
  const dir = join(root, 'static');
  await mkdir(join(dir, 'css'), { recursive: true });
  await writeFile(join(dir, 'index.html'), '<h1>hi</h1>');
  await writeFile(join(dir, 'css', 'site.css'), 'body{}');
  await writeFile(join(dir, 'run.sh'), '#!/bin/sh\n');
  await chmod(join(dir, 'run.sh'), 0o700);
  await chmod(join(dir, 'index.html'), 0o666);
  await symlink('index.html', join(dir, 'home.html'));
  for (const f of ['index.html', 'css/site.css', 'run.sh']) await utimes(join(dir, f), mtime, mtime);
  return dir;
}

describe('dataLayer', () => {
  it('copies the tree read-only and root-owned to /app/data, and names it in the environment', async () => {
    const root = await tempDir();
    const layer = await dataLayer(await dataTree(root, 1_000_000), {
      blobDir: join(root, 'blobs'),
      mtime: 0,
    });
    expect(layer.env).toEqual({ [DATA_PATH_ENV]: '/app/data' });
    expect(layer.files).toBe(4);
    expect(await listing(layer.layer)).toEqual([
      'directory app/ 555 0:0 0',
      'directory app/data/ 555 0:0 0',
      'directory app/data/css/ 555 0:0 0',
      'file app/data/css/site.css 444 0:0 0 body{}',
      'file app/data/home.html 444 0:0 0 <h1>hi</h1>',
      'file app/data/index.html 444 0:0 0 <h1>hi</h1>',
      'file app/data/run.sh 555 0:0 0 #!/bin/sh\n',
    ]);
  });

  it('gives the same digest for copies in other paths with other mtimes', async () => {
    const [r1, r2] = [await tempDir(), await tempDir('minnow-test-other-')];
    const a = await dataLayer(await dataTree(r1, 1_000_000), { blobDir: join(r1, 'blobs'), mtime: 0 });
    const b = await dataLayer(await dataTree(r2, 2_000_000), { blobDir: join(r2, 'blobs'), mtime: 0 });
    expect(await a.layer.digest()).toBe(await b.layer.digest());
  });

  it('refuses a symlink that leads out of the directory', async () => {
    const root = await tempDir();
    const dir = await dataTree(root, 0);
    await symlink('/etc/passwd', join(dir, 'passwd'));
    await expect(dataLayer(dir, { blobDir: join(root, 'blobs') })).rejects.toMatchObject({
      code: 'UNSAFE_PATH',
    });
  });

  it('says so when the directory is missing', async () => {
    const root = await tempDir();
    await expect(dataLayer(join(root, 'nope'), { blobDir: root })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('filesLayer', () => {
  it('puts each file at its destination with its mode', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'conf'));
    await writeFile(join(root, 'conf', 'app.yaml'), 'a: 1\n');
    await writeFile(join(root, 'probe'), '#!/bin/sh\n');
    const layer = await filesLayer(
      [
        { src: 'conf/app.yaml', dst: '/etc/app/app.yaml' },
        { src: './probe', dst: '/app/probe', mode: '0755' },
      ],
      { moduleDir: root, blobDir: join(root, '.blobs'), mtime: 0 },
    );
    expect(await listing(layer.layer)).toEqual([
      'directory app/ 555 0:0 0',
      'file app/probe 755 0:0 0 #!/bin/sh\n',
      'directory etc/ 555 0:0 0',
      'directory etc/app/ 555 0:0 0',
      'file etc/app/app.yaml 444 0:0 0 a: 1\n',
    ]);
  });

  it('refuses a source outside the module', async () => {
    const [root, outside] = [await tempDir(), await tempDir()];
    await writeFile(join(outside, 'secret'), 'x');
    const src = relative(root, join(outside, 'secret'));
    await expect(
      filesLayer([{ src, dst: '/x' }], { moduleDir: root, blobDir: join(root, 'b') }),
    ).rejects.toMatchObject({ code: 'UNSAFE_PATH' });
  });
});
