import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { emptyImage, hostPlatform } from '../../src/oci/index.js';
import { writeLayout } from '../../src/publish/layout.js';
import { exec } from '../helpers/exec.js';
import { httpGetWhenUp, runServer } from '../helpers/docker.js';
import { tempDir } from '../helpers/tmp.js';
import { runCli } from './build-helpers.js';

const CLOCK = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'clock');
const images: string[] = [];
afterAll(async () => {
  for (const image of images) await exec('docker', ['rmi', '-f', image]).catch(() => undefined);
});

/** Builds examples/clock into the Engine with `flags`, runs it, and returns what it answers for two zones. */
async function zones(flags: string[]): Promise<{ paris: string; newYork: string }> {
  const name = `minnow-test-build/clock:${randomBytes(4).toString('hex')}`;
  images.push(name);
  const run = await runCli(['build', CLOCK, '-q', '--output', `daemon:${name}`, ...flags]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const server = await runServer(name);
  try {
    const paris = await httpGetWhenUp(server.port);
    const res = await fetch(`http://127.0.0.1:${server.port}/?tz=America/New_York`);
    return { paris, newYork: await res.text() };
  } finally {
    await server.stop();
  }
}

describe('--tzdata, in a running container', () => {
  it('without it, Go finds no time zone database in the image', async () => {
    const { paris } = await zones([]);
    expect(paris).toMatch(/unknown time zone Europe\/Paris/);
  });

  it('on the static base: zoneinfo.zip + ZONEINFO make time zones work', async () => {
    const { paris, newYork } = await zones(['--tzdata']);
    expect(paris).toMatch(/^Europe\/Paris CES?T \+0[12]00$/);
    expect(newYork).toMatch(/^America\/New_York E[SD]T -0[45]00$/);
  });

  it('on another base: the timetzdata tag embeds the database in the binary', async () => {
    const layout = join(await tempDir(), 'empty-base');
    await writeLayout(layout, { kind: 'image', image: emptyImage(hostPlatform()) }, { tag: 'v1' });
    const { paris } = await zones(['--tzdata', '--base', `oci:${layout}:v1`]);
    expect(paris).toMatch(/^Europe\/Paris CES?T \+0[12]00$/);
  });
});
