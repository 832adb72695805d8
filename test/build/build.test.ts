import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from '../../src/build/build.js';
import { loadCaBundle } from '../../src/base/ca-certs.js';
import { assertValid, hostPlatform, type Image } from '../../src/oci/index.js';
import { tempDir } from '../helpers/tmp.js';
import {
  BROKEN_MODULE,
  CGO_MODULE,
  copyHello,
  HELLO_DIR,
  LIBRARY_MODULE,
  writeModule,
} from '../go/go-fixtures.js';
import { imageEntries } from './image-files.js';
import { failure } from '../helpers/failure.js';

function only(result: Awaited<ReturnType<typeof build>>): Image {
  if (result.target.kind !== 'image') throw new Error('expected one image');
  return result.target.image;
}

describe('build (real go, examples/hello)', () => {
  it('builds the smallest runnable image: static base + /app/hello, nonroot, entrypoint set', async () => {
    const cacheDir = await tempDir();
    const result = await build({ dir: HELLO_DIR, cacheDir });
    const image = only(result);
    await assertValid(image);
    expect(result.digest).toBe(await image.digest());
    expect(result.images[0]?.binaries).toMatchObject([
      { name: 'hello', imagePath: '/app/hello', importPath: 'hello' },
    ]);
    const entries = await imageEntries(image);
    expect(entries.map((e) => e.path)).toEqual([
      '/etc',
      '/etc/group',
      '/etc/nsswitch.conf',
      '/etc/os-release',
      '/etc/passwd',
      '/etc/ssl',
      '/etc/ssl/certs',
      '/etc/ssl/certs/ca-certificates.crt',
      '/home',
      '/home/nonroot',
      '/root',
      '/tmp',
      '/app',
      '/app/hello',
    ]);
    expect(entries.find((e) => e.path === '/app/hello')).toMatchObject({
      type: 'file',
      mode: '0555',
      uid: 0,
      gid: 0,
      size: result.images[0]?.binaries[0]?.size,
    });
    const config = await image.configFile();
    expect(config.config?.User).toBe('65532:65532');
    expect(config.config?.Entrypoint).toEqual(['/app/hello']);
    expect(config.config?.Cmd).toBeUndefined();
    expect(config.architecture).toBe(hostPlatform().architecture);
    const manifest = await image.manifest();
    expect(manifest.annotations).toMatchObject({
      'org.opencontainers.image.base.name': 'static',
      'org.opencontainers.image.created': config.created,
    });
    expect(manifest.annotations?.['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}$/);
    // Sizes: base layer + app layer, uncompressed and compressed, for the summary.
    const layers = result.images[0]?.layers ?? [];
    expect(layers).toHaveLength(2);
    expect(layers[1]?.uncompressedSize).toBeGreaterThan(result.images[0]?.binaries[0]?.size ?? 0);
  });

  it('gives the same digest for two copies of the source in different directories', async () => {
    const root = await tempDir();
    const a = await build({
      dir: await copyHello(join(root, 'a', 'hello')),
      cacheDir: join(root, 'cache-a'),
    });
    const b = await build({
      dir: await copyHello(join(root, 'elsewhere', 'b', 'hello')),
      cacheDir: join(root, 'cache-b'),
    });
    expect(b.digest).toBe(a.digest);
    expect((await only(a).manifest()).annotations?.['org.opencontainers.image.created']).toBe(
      '1970-01-01T00:00:00Z',
    );
  });

  it('scratch without CA bundle holds the binary alone; the config carries user, env, ports, labels, args', async () => {
    const result = await build({
      dir: HELLO_DIR,
      cacheDir: await tempDir(),
      base: 'scratch',
      caCerts: false,
      user: '1000:1000',
      env: { GREETING: 'hi' },
      ports: ['8080', '53/udp'],
      labels: { 'org.example.team': 'core' },
      args: ['--verbose'],
      workdir: '/app',
    });
    const image = only(result);
    expect((await imageEntries(image)).map((e) => e.path)).toEqual(['/app', '/app/hello']);
    expect((await image.configFile()).config).toEqual({
      User: '1000:1000',
      Entrypoint: ['/app/hello'],
      Cmd: ['--verbose'],
      WorkingDir: '/app',
      Env: ['GREETING=hi'],
      ExposedPorts: { '8080/tcp': {}, '53/udp': {} },
      Labels: { 'org.example.team': 'core' },
    });
  });

  it('adds Go zoneinfo.zip for --tzdata on a built-in base', async () => {
    const result = await build({ dir: HELLO_DIR, cacheDir: await tempDir(), base: 'scratch', tzdata: true });
    const image = only(result);
    const entries = await imageEntries(image);
    expect(entries.find((e) => e.path === '/usr/share/zoneinfo.zip')?.size).toBeGreaterThan(100_000);
    expect((await image.configFile()).config?.Env).toContain('ZONEINFO=/usr/share/zoneinfo.zip');
    expect(result.caSource).toBe((await loadCaBundle()).source);
  });

  it('builds several platforms in parallel into an OCI index with platform fields (arm variant included)', async () => {
    const result = await build({
      dir: HELLO_DIR,
      cacheDir: await tempDir(),
      platforms: [hostPlatform(), { os: 'linux', architecture: 'arm' }],
    });
    expect(result.target.kind).toBe('index');
    if (result.target.kind !== 'index') return;
    const index = await result.target.index.indexManifest();
    expect(index.manifests.map((m) => m.platform)).toEqual([
      hostPlatform(),
      { os: 'linux', architecture: 'arm', variant: 'v7' },
    ]);
    expect(index.annotations?.['org.opencontainers.image.base.name']).toBe('static');
    const arm = result.images[1];
    expect((await arm!.image.configFile()).variant).toBe('v7');
    await assertValid(arm!.image);
    // The arm binary really is 32-bit ARM code: ELF class 1 (32-bit), machine 40 (EM_ARM).
    const { readFile } = await import('node:fs/promises');
    const elf = await readFile(arm!.binaries[0]!.path);
    expect(elf[4]).toBe(1);
    expect(elf.readUInt16LE(18)).toBe(40);
  });
});

describe('build refuses bad input with one clear error', () => {
  it('not a Go module', async () => {
    const err = await failure(build({ dir: await tempDir(), cacheDir: await tempDir() }));
    expect(err.code).toBe('NOT_A_MODULE');
  });

  it('no main package', async () => {
    const dir = await writeModule(join(await tempDir(), 'lib'), LIBRARY_MODULE, 'example.com/lib');
    expect((await failure(build({ dir, cacheDir: await tempDir() }))).code).toBe('NO_MAIN_PACKAGE');
  });

  it('compile error, with the compiler output attached', async () => {
    const dir = await writeModule(join(await tempDir(), 'broken'), BROKEN_MODULE);
    const err = await failure(build({ dir, cacheDir: await tempDir() }));
    expect(err.code).toBe('GO_BUILD_FAILED');
    expect(String(err.details?.output)).toContain('undefined: undefinedThing');
  });

  it('cgo required, naming the package', async () => {
    const dir = await writeModule(join(await tempDir(), 'cgo'), CGO_MODULE);
    const err = await failure(build({ dir, cacheDir: await tempDir() }));
    expect(err.code).toBe('CGO_REQUIRED');
    expect(err.subject).toBe('example.com/app/cgodep');
  });

  it('an abort stops go and fails with ABORTED', async () => {
    const dir = await copyHello(join(await tempDir(), 'hello'));
    const controller = new AbortController();
    const building = build({ dir, cacheDir: await tempDir(), signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    expect((await failure(building)).code).toBe('ABORTED');
  });

  it('invalid user, port, env, platform', async () => {
    const cacheDir = await tempDir();
    expect((await failure(build({ dir: HELLO_DIR, cacheDir, user: 'bob' }))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(build({ dir: HELLO_DIR, cacheDir, ports: ['70000'] }))).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect((await failure(build({ dir: HELLO_DIR, cacheDir, env: { '1X': 'y' } }))).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect(
      (
        await failure(
          build({
            dir: HELLO_DIR,
            cacheDir,
            platforms: [{ os: 'linux', architecture: 'arm', variant: 'v9' }],
          }),
        )
      ).code,
    ).toBe('INVALID_ARGUMENT');
  });
});
