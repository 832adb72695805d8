import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BASE_SOURCES,
  resolveBase,
  sourceFor,
  sourceGrammar,
  sourceHelpTable,
  splitOciSpec,
} from '../../src/base/resolve.js';
import { assertValid, selectPlatform } from '../../src/oci/index.js';
import { writeLayout } from '../../src/publish/layout.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { testImage } from '../helpers/images.js';

const amd64 = { os: 'linux', architecture: 'amd64' };
const arm64 = { os: 'linux', architecture: 'arm64' };

describe('resolveBase', () => {
  it('synthesizes built-ins for the requested platforms and picks one with selectPlatform', async () => {
    const cacheDir = await tempDir();
    const target = await resolveBase('static', { platforms: [amd64, arm64], cacheDir });
    expect(target.kind).toBe('index');
    const image = await selectPlatform(target, { ...arm64, variant: 'v8' }, { strict: true });
    expect((await image.configFile()).architecture).toBe('arm64');
    await expect(
      selectPlatform(target, { os: 'linux', architecture: 's390x' }, { strict: true, subject: 'static' }),
    ).rejects.toMatchObject({
      code: 'PLATFORM_NOT_FOUND',
      message: 'static has no linux/s390x image; it has linux/amd64, linux/arm64',
    });
  });

  it('reads an OCI layout base, by tag', async () => {
    const dir = await tempDir();
    const image = await testImage(dir, [{ type: 'file', path: '/etc/hello', source: Buffer.from('hi') }]);
    await writeLayout(join(dir, 'layout'), { kind: 'image', image }, { tag: 'v1' });
    const target = await resolveBase(`oci:${join(dir, 'layout')}:v1`);
    expect(target.kind).toBe('image');
    await assertValid(target);
    const picked = await selectPlatform(
      target,
      (await image.configFile()).architecture === 'amd64' ? amd64 : arm64,
      { strict: true },
    );
    expect(await picked.digest()).toBe(await image.digest());
  });

  it('refuses an unknown base in one line, with the accepted forms', async () => {
    // Anything that parses as an image reference (ubuntu-ish) is a registry base now; this cannot be one.
    // It is almost a reference: the message says what is wrong with it, the hint lists the accepted forms.
    await expect(resolveBase('ubuntu ish!')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/^invalid base "ubuntu ish!": \S/),
      hint: expect.stringContaining('oci:DIR[:TAG]'),
    });
  });

  it('splits oci:DIR[:TAG]', () => {
    expect(splitOciSpec('out/app:v1')).toEqual({ dir: 'out/app', tag: 'v1' });
    expect(splitOciSpec('out/app')).toEqual({ dir: 'out/app' });
    expect(splitOciSpec('/a:b/c')).toEqual({ dir: '/a:b/c' });
  });

  it('sends each form to its one kind in BASE_SOURCES', async () => {
    const dir = await tempDir();
    const image = await testImage(dir, [{ type: 'file', path: '/x', source: Buffer.from('x') }]);
    await writeLayout(join(dir, 'lay:out'), { kind: 'image', image }, { tag: 'v1' });
    const kinds: Record<string, string> = {
      static: 'built-in',
      scratch: 'built-in',
      'oci:out/app:v1': 'OCI layout',
      'docker-archive:app.tar:app:v1': 'docker archive',
      'daemon:app:dev': 'Docker Engine',
      [join(dir, 'lay:out')]: 'local path',
      'alpine:3.19': 'registry',
      [`localhost:5000/team/app@sha256:${'a'.repeat(64)}`]: 'registry',
      'docker://alpine': 'registry',
    };
    for (const [spec, kind] of Object.entries(kinds)) expect((await sourceFor(spec))?.name, spec).toBe(kind);
    expect(await sourceFor('docker:app.tar')).toBeUndefined();
    // A layout path holding a colon is found by what exists; the tag after it still picks.
    const target = await resolveBase(`oci:${join(dir, 'lay:out')}:v1`);
    expect(target.kind === 'image' && (await target.image.digest())).toBe(await image.digest());
  });

  it('generates the help of every command that reads images from the table', async () => {
    const table = sourceHelpTable();
    for (const s of BASE_SOURCES) expect(table).toContain(`${s.grammar}  `);
    for (const command of ['analyze', 'sbom', 'push', 'build']) {
      const help = (await cli([command, '--help'])).out.replace(/\s+/g, ' ');
      expect(help, command).toContain(table.replace(/\s+/g, ' ').trim());
    }
    const compare = (await cli(['compare', '--help'])).out.replace(/\s+/g, ' ');
    expect(compare).toContain(sourceGrammar());
  });
});
