import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineAddress } from '../../src/engine/client.js';
import { writeLayout } from '../../src/publish/layout.js';
import { writeTarball } from '../../src/publish/tarball.js';
import { cli } from '../helpers/cli.js';
import { freePort } from '../helpers/docker.js';
import { exec } from '../helpers/exec.js';
import { alpineBase } from '../helpers/fixture-images.js';
import { tempDir } from '../helpers/tmp.js';

describe('analyze says where it read an image from, and points at the Engine when the registry is out of reach', () => {
  let dir: string;
  let unreachable: string;
  beforeAll(async () => {
    dir = await tempDir();
    await writeLayout(join(dir, 'layout'), { kind: 'image', image: await alpineBase() }, { tag: '3.19' });
    // A registry name on a port where nothing listens: the registry cannot be reached, the Engine has the image.
    unreachable = `127.0.0.1:${await freePort()}/minnow-test-origin/alpine:${randomBytes(4).toString('hex')}`;
    await writeTarball(join(dir, 'alpine.tar'), await alpineBase(), { tags: [unreachable] });
    await exec('docker', ['load', '-i', join(dir, 'alpine.tar')]);
  }, 120_000);
  afterAll(async () => {
    await exec('docker', ['rmi', '-f', unreachable]).catch(() => undefined);
  });

  it('names the kind and the full place in text, Markdown and JSON', async () => {
    const text = await cli(['analyze', `oci:${join(dir, 'layout')}:3.19`]);
    expect(text.status).toBe(0);
    expect(text.out).toMatch(/^read from +OCI layout: oci:.*layout:3\.19$/m);
    const path = await cli(['analyze', join(dir, 'layout'), '--json']);
    expect((JSON.parse(path.out) as { source: unknown }).source).toEqual({
      kind: 'local path',
      where: resolve(dir, 'layout'),
    });
    // The ID Docker shows for the image is the one analyze shows, for the Engine's copy and a docker save alike.
    const id = (await exec('docker', ['image', 'inspect', '-f', '{{.Id}}', unreachable])).trim();
    const fromEngine = JSON.parse((await cli(['analyze', `daemon:${unreachable}`, '--json'])).out) as {
      imageId: string;
    };
    expect(fromEngine.imageId).toBe(id);
    const saved = join(dir, 'saved.tar');
    await exec('docker', ['save', '-o', saved, unreachable]);
    const fromSave = await cli(['analyze', saved]);
    expect(fromSave.out).toMatch(new RegExp(`^image ID +${id.slice(7, 19)} \\(docker images\\)`, 'm'));
    const daemon = await cli(['analyze', `daemon:${unreachable}`, '--markdown']);
    expect(daemon.status).toBe(0);
    expect(daemon.out).toContain(
      `| read from | Docker Engine: ${unreachable} at ${engineAddress().display} |`,
    );
  });

  it('a registry that cannot be reached, for an image the local Engine has: one line and a daemon: hint', async () => {
    const r = await cli(['analyze', unreachable]);
    expect(r.status).toBe(1);
    const lines = r.err.trim().split('\n');
    expect(lines[0]).toMatch(/^error: cannot reach registry 127\.0\.0\.1:\d+/);
    expect(lines[1]).toBe(
      `hint: the local Docker Engine has ${unreachable}: read it from there with daemon:${unreachable}`,
    );
    // An image the Engine lacks keeps the network hint.
    const missing = await cli(['analyze', `${unreachable}-absent`]);
    expect(missing.err).not.toContain('daemon:');
    expect(missing.err).toContain('hint: check that the registry is running');
  });
});
