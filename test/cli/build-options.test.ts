import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveBase } from '../../src/base/resolve.js';
import { assertValid, hostPlatform } from '../../src/oci/index.js';
import { exec } from '../helpers/exec.js';
import { tempDir } from '../helpers/tmp.js';
import { HELLO_DIR } from '../go/go-fixtures.js';
import { runCli } from './build-helpers.js';

const host = `linux/${hostPlatform().architecture}`;
const other = hostPlatform().architecture === 'arm' ? 'linux/amd64' : 'linux/arm/v7';

describe('minnow build options', () => {
  it('--platform with two platforms: an index in the OCI layout, the host image in a docker tarball (and says so)', async () => {
    const work = await tempDir();
    const layout = join(work, 'layout');
    const run = await runCli([
      'build',
      HELLO_DIR,
      '--platform',
      `${host},${other}`,
      '--output',
      `oci:${layout}:multi`,
      '--json',
    ]);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as { platforms: string[]; digest: string };
    expect(summary.platforms).toEqual([host, other]);
    const raw = JSON.parse(await exec('skopeo', ['inspect', '--raw', `oci:${layout}:multi`])) as {
      mediaType: string;
      manifests: { platform: { architecture: string; variant?: string } }[];
    };
    expect(raw.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    await assertValid(await resolveBase(`oci:${layout}:multi`));
    expect(raw.manifests.map((m) => [m.platform.architecture, m.platform.variant])).toEqual([
      [hostPlatform().architecture, undefined],
      [other.split('/')[1], other.split('/')[2]],
    ]);
    const file = join(work, 'multi.tar');
    const tar = await runCli([
      'build',
      HELLO_DIR,
      '--platform',
      `${host},${other}`,
      '--output',
      `docker:${file}`,
    ]);
    expect(tar.code).toBe(0);
    expect(tar.stdout).toContain(`only the ${host} image (this host's platform) was written`);
    const inspected = JSON.parse(await exec('skopeo', ['inspect', `docker-archive:${file}`])) as {
      Architecture: string;
    };
    expect(inspected.Architecture).toBe(hostPlatform().architecture);
    await assertValid(await resolveBase(file));
  });

  it('--compare adds the article-style size; --quiet prints the digest alone; scratch without CA is one layer', async () => {
    const work = await tempDir();
    const compared = await runCli([
      'build',
      HELLO_DIR,
      '--compare',
      '--json',
      '--output',
      `oci:${join(work, 'a')}`,
    ]);
    const s = JSON.parse(compared.stdout) as { size: number; article: { total: number; binarySize: number } };
    expect(s.article.binarySize).toBeGreaterThan(s.size * 1.2);
    expect(s.article.total).toBeGreaterThan(s.article.binarySize);
    const human = await runCli(['build', HELLO_DIR, '--compare', '--output', `oci:${join(work, 'a')}`]);
    expect(human.stdout).toMatch(
      /vs article .* the article's way \(binary without -s -w \+ CA bundle\): \d+% smaller/,
    );
    const quiet = await runCli([
      'build',
      HELLO_DIR,
      '-q',
      '--base',
      'scratch',
      '--no-ca-certs',
      '--output',
      `oci:${join(work, 'b')}`,
    ]);
    expect(quiet.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const inspected = JSON.parse(await exec('skopeo', ['inspect', `oci:${join(work, 'b')}:latest`])) as {
      Digest: string;
      Layers: string[];
    };
    expect(inspected.Digest).toBe(quiet.stdout.trim());
    expect(inspected.Layers).toHaveLength(1);
  });

  it("a docker tarball of one foreign platform holds that platform's image", async () => {
    const work = await tempDir();
    const file = join(work, 'arm.tar');
    const run = await runCli(['build', HELLO_DIR, '--platform', other, '--output', `docker:${file}`, '-q']);
    expect(run.code).toBe(0);
    const inspected = JSON.parse(await exec('skopeo', ['inspect', `docker-archive:${file}`])) as {
      Architecture: string;
    };
    expect(inspected.Architecture).toBe(other.split('/')[1]);
  });
});
