import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createReadStream } from 'node:fs';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { exec } from './exec.js';
import { assertValid, DigestingStream, type Image } from '../../src/oci/index.js';
import { alpineBase, alpineRootfsPath, distrolessBase, DISTROLESS_PACKAGES } from './fixture-images.js';

interface Entry {
  header: tar.Header;
  /** Content of regular files up to 512 KiB (enough for the text files asserted here). */
  text?: string;
}

/** Every entry of the image's single layer, keyed by its absolute path. */
async function entries(image: Image): Promise<Map<string, Entry>> {
  const [layer] = await image.layers();
  if (!layer) throw new Error('no layer');
  const extract = tar.extract();
  const out = new Map<string, Entry>();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (data: unknown) => {
      const c = data as Buffer;
      size += c.length;
      if (size <= 512 * 1024) chunks.push(c);
    });
    stream.on('end', () => {
      const path = `/${header.name.replace(/^\.?\//, '').replace(/\/$/, '')}`;
      out.set(path, {
        header,
        ...(header.type === 'file' && size <= 512 * 1024 ? { text: Buffer.concat(chunks).toString() } : {}),
      });
      next();
    });
  });
  const done = new Promise<void>((resolve, reject) => extract.on('finish', resolve).on('error', reject));
  (await layer.uncompressed()).pipe(extract);
  await done;
  return out;
}

describe('alpineBase', () => {
  it('is the minirootfs tar.gz verbatim as one layer, with the official config', async () => {
    const image = await alpineBase();
    await assertValid(image);
    const [layer] = await image.layers();
    const file = new DigestingStream();
    for await (const _ of createReadStream(alpineRootfsPath()).pipe(file)) void _;
    expect(await layer?.digest()).toBe(file.digest);
    expect(await layer?.size()).toBe(file.size);
    const config = await image.configFile();
    expect(config.architecture).toBe('amd64');
    expect(config.config?.Cmd).toEqual(['/bin/sh']);
    expect(config.config?.User).toBeUndefined();
    expect(config.config?.Env?.[0]).toMatch(/^PATH=/);
    expect(config.history?.at(-1)?.empty_layer).toBe(true);
    // A second call is the same image, from the cache.
    expect(await (await alpineBase()).digest()).toBe(await image.digest());
  });

  it('has busybox /bin/sh, apk and 15 packages', async () => {
    const files = await entries(await alpineBase());
    expect(files.get('/bin/sh')?.header.linkname).toBe('/bin/busybox');
    expect(files.get('/bin/busybox')?.header.type).toBe('file');
    expect(files.get('/sbin/apk')?.header.type).toBe('file');
    const installed = files.get('/lib/apk/db/installed')?.text ?? '';
    expect(installed.split('\n').filter((l) => l.startsWith('P:'))).toHaveLength(15);
    expect(files.has('/lib/ld-musl-x86_64.so.1')).toBe(true);
  });

  it('has an arm64 variant', async () => {
    const image = await alpineBase('arm64');
    const config = await image.configFile();
    expect([config.architecture, config.variant]).toEqual(['arm64', 'v8']);
    expect(await image.digest()).not.toBe(await (await alpineBase()).digest());
  });
});

describe('distrolessBase', () => {
  it('has no shell, distroless users and dirs, tzdata, CA bundle and status.d', async () => {
    const image = await distrolessBase();
    await assertValid(image);
    const files = await entries(image);
    expect(files.has('/bin/sh')).toBe(false);
    expect([...files.keys()].some((p) => /\/(ba|da)?sh$/.test(p))).toBe(false);
    expect(files.get('/etc/passwd')?.text).toContain(
      'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin',
    );
    expect(files.get('/etc/group')?.text).toContain('nonroot:x:65532:');
    const home = files.get('/home/nonroot')?.header;
    expect([home?.type, home?.mode, home?.uid, home?.gid]).toEqual(['directory', 0o700, 65532, 65532]);
    expect(files.get('/root')?.header.mode).toBe(0o700);
    expect(files.get('/tmp')?.header.mode).toBe(0o1777);
    expect(files.get('/etc/os-release')?.text).toContain('PRETTY_NAME="Distroless"');
    expect(files.get('/etc/nsswitch.conf')?.text).toContain('hosts:');
    expect(files.get('/usr/share/zoneinfo/Europe/Berlin')?.header.type).toBe('file');
    for (const pkg of DISTROLESS_PACKAGES) {
      expect(files.get(`/var/lib/dpkg/status.d/${pkg}`)?.text).toMatch(new RegExp(`^Package: ${pkg}$`, 'm'));
    }
    // The bundle holds every mozilla certificate of the package.
    const debs = fileURLToPath(new URL('../fixtures/debian-bookworm-debs/', import.meta.url));
    const deb = (await readdir(debs)).find((f) => f.startsWith('ca-certificates_')) ?? '';
    const listing = await exec('dpkg-deb', ['-c', join(debs, deb)]);
    const pems = listing.split('\n').filter((l) => /mozilla\/.*\.crt$/.test(l)).length;
    const bundle = files.get('/etc/ssl/certs/ca-certificates.crt')?.text ?? '';
    expect(pems).toBeGreaterThan(100);
    expect(bundle.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(pems);
    // Only the bundle from ca-certificates: no update script, no per-certificate files.
    expect(files.has('/usr/sbin/update-ca-certificates')).toBe(false);
    expect([...files.keys()].some((p) => p.startsWith('/usr/share/ca-certificates'))).toBe(false);
    const config = await image.configFile();
    expect(config.config?.User).toBe('0');
    expect(config.config?.Env).toContain('SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt');
    // Around 2 MB uncompressed, as distroless documents.
    let total = 0;
    for (const e of files.values()) total += e.header.size ?? 0;
    expect(total).toBeGreaterThan(1_500_000);
    expect(total).toBeLessThan(2_600_000);
  });

  it('has a nonroot tag sharing the layer', async () => {
    const latest = await distrolessBase();
    const nonroot = await distrolessBase('nonroot');
    const config = (await nonroot.configFile()).config;
    expect([config?.User, config?.WorkingDir]).toEqual(['65532', '/home/nonroot']);
    expect((await nonroot.manifest()).layers).toEqual((await latest.manifest()).layers);
    expect(await nonroot.digest()).not.toBe(await latest.digest());
  });
});
