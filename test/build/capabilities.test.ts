import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analyze/analyze.js';
import { openImage } from '../../src/analyze/open.js';
import {
  CAPABILITY_NAMES,
  decodeFileCapabilities,
  encodeFileCapabilities,
  gzipCompression,
  writeLayer,
} from '../../src/oci/index.js';
import { plain, runCli } from '../cli/build-helpers.js';
import { httpGetWhenUp } from '../helpers/docker.js';
import { exec } from '../helpers/exec.js';
import { testImage } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

const GAMMA = join(import.meta.dirname, '..', 'fixtures', 'goapps', 'cmd', 'gamma');

/** A TCP port below 1024 nothing listens on (read from /proc/net/tcp and tcp6, so no root is needed to look). */
async function freeLowPort(): Promise<number> {
  const tables = await Promise.all(
    ['tcp', 'tcp6'].map((t) => readFile(`/proc/net/${t}`, 'utf8').catch(() => '')),
  );
  const used = new Set(
    tables
      .join('\n')
      .split('\n')
      .map((line) => /^\s*\d+:\s+[0-9A-F]+:([0-9A-F]{4})\s/i.exec(line)?.[1])
      .filter((p): p is string => p !== undefined)
      .map((p) => parseInt(p, 16)),
  );
  for (let port = 800; port < 1024; port++) if (!used.has(port)) return port;
  throw new Error('no free port below 1024');
}

describe('file capabilities (--capability; real go, GNU tar, getcap, the Engine)', () => {
  const images: string[] = [];
  afterAll(async () => {
    for (const image of images) await exec('docker', ['rmi', '-f', image]).catch(() => undefined);
  });

  it('writes security.capability as setcap does: GNU tar extracts it and getcap reads the names back', async () => {
    const dir = await tempDir();
    const caps = ['net_bind_service', 'setuid', 'net_raw', 'setfcap', 'bpf']; // bits 10, 7, 13, 31, 39
    const layer = await writeLayer(
      [
        {
          type: 'file',
          path: '/app/x',
          source: Buffer.from('#!/bin/true\n'),
          mode: 0o555,
          capabilities: caps,
        },
      ],
      { blobDir: dir, compression: gzipCompression(6) },
    );
    await exec('mkdir', ['-p', join(dir, 'root')]);
    await exec('tar', [
      '--xattrs',
      '--xattrs-include=security.*',
      '-xzf',
      layer.path,
      '-C',
      join(dir, 'root'),
    ]);
    const got = (await exec('getcap', [join(dir, 'root', 'app', 'x')])).trim();
    expect(got).toBe(
      `${join(dir, 'root', 'app', 'x')} cap_setuid,cap_net_bind_service,cap_net_raw,cap_setfcap,cap_bpf=ep`,
    );
    expect(decodeFileCapabilities(encodeFileCapabilities(CAPABILITY_NAMES))?.permitted).toEqual([
      ...CAPABILITY_NAMES,
    ]);
    expect(() => encodeFileCapabilities(['net_bind_servic'])).toThrow('unknown capability "net_bind_servic"');
  });

  it('analyze reads the value byte for byte, bytes of 0x80 and above included (setuid is bit 7, bpf bit 39)', async () => {
    const dir = await tempDir();
    const image = await testImage(dir, [
      {
        type: 'file',
        path: '/app/x',
        source: Buffer.from('x'),
        mode: 0o555,
        capabilities: ['setuid', 'bpf'],
      },
      { type: 'file', path: '/app/y', source: Buffer.from('y'), mode: 0o555, capabilities: ['net_raw'] },
      { type: 'file', path: '/app/z', source: Buffer.from('z'), mode: 0o555 },
    ]);
    const found = (await analyzeImage(image)).findings.filter((f) => f.rule === 'MN-UP-003');
    expect(found.map((f) => f.message)).toEqual([
      '2 files with capabilities: /app/x (cap_setuid,cap_bpf), /app/y (cap_net_raw)',
    ]);
  });

  it('lets the app bind a port below 1024 as 65532, and analyze names the capability on the binary', async () => {
    const dir = await tempDir();
    const name = `minnow-cap-test:${process.pid}`;
    const plainName = `minnow-cap-test:${process.pid}-none`;
    images.push(name, plainName);
    const withCap = await runCli([
      'build',
      GAMMA,
      '--capability',
      'NET_BIND_SERVICE',
      '-o',
      `daemon:${name}`,
      '-o',
      `oci:${join(dir, 'cap')}`,
      '-q',
    ]);
    expect(plain(withCap.stderr)).toBe('');
    expect(withCap.code).toBe(0);
    const without = await runCli(['build', GAMMA, '-o', `daemon:${plainName}`, '-q']);
    expect(without.code).toBe(0);

    const port = await freeLowPort();
    // Least privilege: no capability but the one the file asks for, a read-only root, the image's user.
    const run = [
      'run',
      '--rm',
      '--network',
      'host',
      '--read-only',
      '--cap-drop',
      'ALL',
      '--cap-add',
      'NET_BIND_SERVICE',
      '-e',
      `PORT=${port}`,
    ];
    // Without the file capability the same app, same user, may not bind it: the test can tell the difference.
    const refused = await exec('docker', [...run, plainName]).then(
      () => 'started',
      (err: unknown) => String(err),
    );
    expect(refused).toMatch(/permission denied/);
    const id = (await exec('docker', [...run.slice(0, 2), '-d', ...run.slice(2), name])).trim();
    try {
      expect(await httpGetWhenUp(port)).toBe('gamma');
      const top = await exec('docker', ['top', id, '-o', 'pid,uid,comm']);
      expect(top).toMatch(/^\s*\d+\s+65532\s+gamma\s*$/m);
    } finally {
      await exec('docker', ['rm', '-f', id]).catch(() => undefined);
    }

    const analysis = await analyzeImage(await openImage(`oci:${join(dir, 'cap')}`));
    const found = analysis.findings.filter((f) => f.rule === 'MN-UP-003');
    expect(found.map((f) => [f.category, f.message, f.paths])).toEqual([
      ['user-permissions', '1 file with capabilities: /app/gamma (cap_net_bind_service)', ['/app/gamma']],
    ]);
  });

  it('refuses an unknown capability before building, exit 2', async () => {
    const r = await runCli(['build', GAMMA, '--capability', 'bind_anything', '-o', 'oci:/nonexistent/x']);
    expect(r.code).toBe(2);
    expect(plain(r.stderr).split('\n')[0]).toBe('error: unknown capability "bind_anything"');
  });
});
