import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { tempDir } from '../helpers/tmp.js';

const HELLO = fileURLToPath(new URL('../../examples/hello/', import.meta.url));

async function cli(args: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    out += c.toString();
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
    err += c.toString();
    return true;
  });
  try {
    return { status: await main(['node', 'minnow', ...args]), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('minnow dockerfile', () => {
  test('--stdout prints the Dockerfile and writes nothing', async () => {
    const dir = join(await tempDir(), 'hello');
    await cp(HELLO, dir, { recursive: true });
    const r = await cli([
      'dockerfile',
      '-C',
      dir,
      '--stdout',
      '--base',
      'distroless',
      '-p',
      '8080',
      '--label',
      'org.opencontainers.image.source=https://example.com/hello',
    ]);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^# Dockerfile for /);
    expect(r.out).toContain('org.opencontainers.image.source="https://example.com/hello"');
    await expect(readFile(join(dir, 'Dockerfile'))).rejects.toThrow();
  });

  test('writes both files, then refuses to overwrite (exit 1, one line) until --force', async () => {
    const dir = join(await tempDir(), 'hello');
    await cp(HELLO, dir, { recursive: true });
    const first = await cli(['dockerfile', '-C', dir, '--no-buildkit', '--base', 'scratch']);
    expect(first.status).toBe(0);
    expect(first.out).toContain(`wrote ${join(dir, 'Dockerfile')}`);
    const written = await readFile(join(dir, 'Dockerfile'), 'utf8');
    expect(written).not.toMatch(/^RUN --mount/m);

    const again = await cli(['dockerfile', '-C', dir]);
    expect(again.status).toBe(1);
    expect(again.err.trim().split('\n')[0]).toMatch(/^error: .*Dockerfile exists$/);
    expect(await readFile(join(dir, 'Dockerfile'), 'utf8')).toBe(written);

    await writeFile(join(dir, '.dockerignore'), '.git\n');
    const forced = await cli(['dockerfile', '-C', dir, '--force']);
    expect(forced.status).toBe(0);
    expect(await readFile(join(dir, 'Dockerfile'), 'utf8')).toContain('--mount=type=cache');
  });

  test('bad input is a usage error (exit 2) with one line', async () => {
    const dir = join(await tempDir(), 'hello');
    await cp(HELLO, dir, { recursive: true });
    for (const args of [
      ['-p', 'http'],
      ['--base', 'ubuntu'],
      ['--label', 'novalue'],
    ]) {
      const r = await cli(['dockerfile', '-C', dir, '--stdout', ...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.err).toMatch(/^error: /);
    }
    expect((await cli(['dockerfile', '-C', join(dir, 'nope'), '--stdout'])).status).toBe(1);
  });

  test('takes the same source forms as minnow build: a package directory inside a module, from anywhere', async () => {
    const root = await tempDir();
    const mod = join(root, 'svc');
    await cp(HELLO, join(mod, 'cmd', 'api'), { recursive: true });
    await rm(join(mod, 'cmd', 'api', 'go.mod'));
    await writeFile(join(mod, 'go.mod'), 'module example.com/svc\n\ngo 1.21\n');
    const fromRoot = await cli(['dockerfile', '-C', mod, './cmd/api', '--stdout']);
    expect(fromRoot.status, fromRoot.err).toBe(0);
    expect(fromRoot.out).toMatch(/ -o \/out\/api \.\/cmd\/api$/m);
    // A path to the package from elsewhere, as `minnow build examples/hello` takes it.
    const fromOutside = await cli(['dockerfile', join(mod, 'cmd', 'api'), '--stdout']);
    expect(fromOutside.status, fromOutside.err).toBe(0);
    expect(fromOutside.out).toBe(fromRoot.out);
    const moduleDir = await cli(['dockerfile', HELLO, '--stdout']);
    expect(moduleDir.status, moduleDir.err).toBe(0);
    expect(moduleDir.out).toMatch(/-o \/out\/hello \.$/m);
  });

  test('reads minnow.yaml like build does, flags over it; a local-only base is a config error', async () => {
    const dir = join(await tempDir(), 'hello');
    await cp(HELLO, dir, { recursive: true });
    await writeFile(
      join(dir, 'minnow.yaml'),
      [
        'defaults:',
        '  base: scratch',
        '  tzdata: true',
        '  ports: [9090]',
        '  tags: [netgo]',
        '  labels:',
        '    org.opencontainers.image.vendor: Example',
        '',
      ].join('\n'),
    );
    const r = await cli(['dockerfile', '-C', dir, '--stdout']);
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/final base: scratch\./);
    expect(r.out).toContain('EXPOSE 9090');
    expect(r.out).toContain('-tags=netgo');
    expect(r.out).toContain('ENV ZONEINFO=/usr/share/zoneinfo.zip');
    expect(r.out).toContain('org.opencontainers.image.vendor="Example"');
    const flags = await cli(['dockerfile', '-C', dir, '--stdout', '--base', 'static', '-p', '8080']);
    expect(flags.out).toMatch(/final base: static\./);
    expect(flags.out).toContain('EXPOSE 8080');
    await writeFile(join(dir, 'minnow.yaml'), 'defaults:\n  base: oci:./layout\n');
    const local = await cli(['dockerfile', '-C', dir, '--stdout']);
    expect(local.status).toBe(2);
    expect(local.err).toMatch(/^error: .*minnow\.yaml: base oci:\.\/layout is local to minnow/);
  });
});
