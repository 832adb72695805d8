import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { builtinBase } from '../../src/base/builtin.js';
import { loadCaBundle } from '../../src/base/ca-certs.js';
import { assertValid, type Image } from '../../src/oci/index.js';
import { tempDir } from '../helpers/tmp.js';
import { imageEntries } from '../build/image-files.js';

const amd64 = { os: 'linux', architecture: 'amd64' };

async function single(target: Awaited<ReturnType<typeof builtinBase>>['target']): Promise<Image> {
  if (target.kind !== 'image') throw new Error('expected one image');
  return target.image;
}

describe('built-in static base', () => {
  it('holds exactly the distroless static files, with the right modes and owners', async () => {
    const cacheDir = await tempDir();
    const { target, info } = await builtinBase('static', { platforms: [amd64], cacheDir, mtime: 0 });
    const image = await single(target);
    await assertValid(image);
    const entries = await imageEntries(image);
    expect(entries.map((e) => [e.path, e.type, e.mode, e.uid, e.gid])).toEqual([
      ['/etc', 'directory', '0555', 0, 0],
      ['/etc/group', 'file', '0444', 0, 0],
      ['/etc/nsswitch.conf', 'file', '0444', 0, 0],
      ['/etc/os-release', 'file', '0444', 0, 0],
      ['/etc/passwd', 'file', '0444', 0, 0],
      ['/etc/ssl', 'directory', '0555', 0, 0],
      ['/etc/ssl/certs', 'directory', '0555', 0, 0],
      ['/etc/ssl/certs/ca-certificates.crt', 'file', '0444', 0, 0],
      ['/home', 'directory', '0755', 0, 0],
      ['/home/nonroot', 'directory', '0700', 65532, 65532],
      ['/root', 'directory', '0700', 0, 0],
      ['/tmp', 'directory', '1777', 0, 0],
    ]);
    expect(entries.every((e) => e.mtime === 0 && e.uname === undefined)).toBe(true);
    const ca = await loadCaBundle();
    expect(entries.find((e) => e.path === '/etc/ssl/certs/ca-certificates.crt')?.size).toBe(ca.data.length);
    expect(info.caSource).toBe(ca.source);
    const config = await image.configFile();
    expect(config.config).toEqual({
      Env: [
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt',
      ],
      User: '65532',
      WorkingDir: '/home/nonroot',
    });
  });

  it('writes its layer once: a second resolve is a cache hit with the same digest', async () => {
    const cacheDir = await tempDir();
    const first = await builtinBase('static', { cacheDir, mtime: 0 });
    const second = await builtinBase('static', { cacheDir, mtime: 0 });
    expect(first.info.cacheHit).toBe(false);
    expect(second.info.cacheHit).toBe(true);
    const [a, b] = [await single(first.target), await single(second.target)];
    expect(await b.digest()).toBe(await a.digest());
    // A cache entry whose blob was removed is rewritten, not trusted.
    const layer = (await b.layers())[0];
    const digest = (await layer!.digest()).slice('sha256:'.length);
    await rm(join(cacheDir, 'blobs', 'sha256', digest));
    const third = await builtinBase('static', { cacheDir, mtime: 0 });
    expect(third.info.cacheHit).toBe(false);
    await assertValid(await single(third.target));
  });

  it('describes several platforms as an index over one shared layer', async () => {
    const cacheDir = await tempDir();
    const { target } = await builtinBase('static', {
      cacheDir,
      platforms: [amd64, { os: 'linux', architecture: 'arm', variant: 'v7' }],
    });
    expect(target.kind).toBe('index');
    if (target.kind !== 'index') return;
    await assertValid(target.index);
    const im = await target.index.indexManifest();
    expect(im.manifests.map((m) => m.platform)).toEqual([
      amd64,
      { os: 'linux', architecture: 'arm', variant: 'v7' },
    ]);
  });
});

describe('built-in scratch base', () => {
  it('is the CA bundle alone, or nothing at all with caCerts false', async () => {
    const cacheDir = await tempDir();
    const withCa = await single((await builtinBase('scratch', { cacheDir })).target);
    expect((await imageEntries(withCa)).map((e) => e.path)).toEqual([
      '/etc',
      '/etc/ssl',
      '/etc/ssl/certs',
      '/etc/ssl/certs/ca-certificates.crt',
    ]);
    const bare = await single((await builtinBase('scratch', { cacheDir, caCerts: false })).target);
    expect(await bare.layers()).toEqual([]);
    expect((await bare.configFile()).config).toEqual({});
  });

  it('takes --ca-certs FILE and refuses a file without certificates', async () => {
    const dir = await tempDir();
    const pem = join(dir, 'ca.pem');
    await writeFile(pem, `${rootCertificates[0]}\n`);
    const image = await single((await builtinBase('scratch', { cacheDir: dir, caCerts: pem })).target);
    const entries = await imageEntries(image);
    expect(entries.at(-1)).toMatchObject({
      path: '/etc/ssl/certs/ca-certificates.crt',
      size: (await readFile(pem)).length,
    });
    await writeFile(join(dir, 'junk'), 'not a certificate');
    await expect(builtinBase('scratch', { cacheDir: dir, caCerts: join(dir, 'junk') })).rejects.toMatchObject(
      {
        code: 'INVALID_ARGUMENT',
      },
    );
  });

  it("falls back to Node's Mozilla roots when the host has no bundle", async () => {
    const ca = await loadCaBundle(undefined, ['/nonexistent/bundle.crt']);
    expect(ca.source).toBe('node:tls');
    expect(ca.data.toString()).toContain(rootCertificates[0]);
  });

  it('adds zoneinfo.zip with ZONEINFO set for --tzdata', async () => {
    const dir = await tempDir();
    const zip = join(dir, 'zoneinfo.zip');
    await writeFile(zip, Buffer.from('PK fake zip for the test'));
    const image = await single(
      (await builtinBase('scratch', { cacheDir: dir, caCerts: false, zoneinfoPath: zip })).target,
    );
    expect((await imageEntries(image)).map((e) => e.path)).toEqual([
      '/usr',
      '/usr/share',
      '/usr/share/zoneinfo.zip',
    ]);
    expect((await image.configFile()).config?.Env).toEqual(['ZONEINFO=/usr/share/zoneinfo.zip']);
  });
});
