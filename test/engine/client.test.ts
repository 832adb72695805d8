import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineClient, engineAddress } from '../../src/engine/client.js';
import { tarballStream } from '../../src/publish/tarball.js';
import { tempDir } from '../helpers/tmp.js';
import { testImage } from '../helpers/images.js';

const engine = new EngineClient();
afterAll(() => engine.close());

describe('engineAddress', () => {
  it('reads DOCKER_HOST and defaults to the unix socket', () => {
    expect(engineAddress({})).toMatchObject({ socketPath: '/var/run/docker.sock' });
    expect(engineAddress({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toMatchObject({
      socketPath: '/run/user/1000/docker.sock',
    });
    expect(engineAddress({ DOCKER_HOST: 'tcp://127.0.0.1:2375' })).toMatchObject({
      url: 'http://127.0.0.1:2375',
    });
    expect(() => engineAddress({ DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1' })).toThrow(/TLS/);
    expect(() => engineAddress({ DOCKER_HOST: 'ssh://me@host' })).toThrow(/unsupported DOCKER_HOST/);
  });
});

describe('EngineClient (real Docker Engine)', () => {
  it('pings, loads a streamed image, inspects, saves and removes it', async () => {
    expect(await engine.ping()).toMatch(/^1\.\d+$/);
    const dir = await tempDir();
    const image = await testImage(
      dir,
      [{ type: 'file', path: '/hello.txt', source: Buffer.from('hello engine\n') }],
      {
        cmd: ['/hello.txt'],
      },
    );
    const name = `minnow-test-build/engine:${randomBytes(4).toString('hex')}`;
    try {
      const { stream } = await tarballStream(image, [name]);
      expect(await engine.loadImage(stream)).toEqual([name]);
      const info = await engine.inspectImage(name);
      expect(info.Id).toBe((await image.manifest()).config.digest);
      expect(info.RepoTags).toContain(name);
      const saved = await engine.saveImage([name]);
      let bytes = 0;
      for await (const chunk of saved) bytes += (chunk as Buffer).length;
      expect(bytes).toBeGreaterThan(1024);
    } finally {
      expect(await engine.removeImage(name, { force: true })).toBe(true);
    }
    await expect(engine.inspectImage(name)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await engine.removeImage(name)).toBe(false);
  });

  it('reports a broken tarball as the Engine words it, and an unreachable Engine clearly', async () => {
    await expect(engine.loadImage(Readable.from([Buffer.alloc(2048, 1)]))).rejects.toMatchObject({
      code: 'DAEMON_ERROR',
    });
    const nowhere = new EngineClient(engineAddress({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' }));
    await expect(nowhere.ping()).rejects.toMatchObject({
      code: 'DAEMON_ERROR',
      hint: 'start it (scripts/start-docker.sh) or set DOCKER_HOST',
    });
    await nowhere.close();
  });

  it('builds a Dockerfile from a streamed context, and reports a failing step with its log', async () => {
    const context = (files: Record<string, string>): Readable => {
      const pack = tar.pack();
      for (const [name, text] of Object.entries(files)) pack.entry({ name, mtime: new Date(0) }, text);
      pack.finalize();
      return pack as unknown as Readable;
    };
    const name = `minnow-test-build/engine-build:${randomBytes(4).toString('hex')}`;
    try {
      const built = await engine.build(
        context({ 'build.Dockerfile': 'FROM scratch\nARG NOTE\nCOPY hello.txt /\n', 'hello.txt': 'hi\n' }),
        { tag: name, dockerfile: 'build.Dockerfile', buildArgs: { NOTE: 'x' } },
      );
      expect(built.id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(built.log.some((l) => l.includes('COPY hello.txt'))).toBe(true);
      expect((await engine.inspectImage(name)).Id).toBe(built.id);
    } finally {
      await engine.removeImage(name, { force: true });
    }
    await expect(
      engine.build(context({ Dockerfile: 'FROM scratch\nCOPY missing.txt /\n' }), { tag: name }),
    ).rejects.toMatchObject({
      code: 'DAEMON_ERROR',
      details: { log: expect.arrayContaining([expect.stringContaining('COPY missing.txt')]) },
    });
    expect(await engine.removeImage(name, { force: true })).toBe(false);
  });
});
