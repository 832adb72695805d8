import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyImage, mutate, writeLayer } from '../../src/oci/index.js';
import { writeLayout } from '../../src/publish/layout.js';
import { writeTarball } from '../../src/publish/tarball.js';
import { HELLO_DIR } from '../go/go-fixtures.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { plain } from './build-helpers.js';

/** The error lines of a run (colors stripped). */
const errorLines = (stderr: string): string[] =>
  plain(stderr)
    .split('\n')
    .filter((l) => l.startsWith('error: '));

describe('a platform the image does not have: the same answer from analyze, sbom and build --base', () => {
  it('refuses linux/arm64 of an amd64-only image with exit 2 and one line naming what is there', async () => {
    const dir = await tempDir();
    const written = await writeLayer([{ type: 'file', path: '/etc/hello', source: Buffer.from('hi\n') }], {
      blobDir: join(dir, 'blobs'),
      mtime: 0,
    });
    const image = await mutate(emptyImage({ os: 'linux', architecture: 'amd64' }), {
      layers: [{ layer: written.layer }],
    });
    await writeLayout(join(dir, 'layout'), { kind: 'image', image }, { tag: 'v1' });
    await writeTarball(join(dir, 'image.tar'), image, { tags: ['amd64-only:v1'] });

    for (const spec of [`oci:${join(dir, 'layout')}:v1`, join(dir, 'image.tar')]) {
      const runs = {
        analyze: await cli(['analyze', spec, '--platform', 'linux/arm64']),
        sbom: await cli(['sbom', spec, '--platform', 'linux/arm64']),
        build: await cli([
          'build',
          HELLO_DIR,
          '--base',
          spec,
          '--platform',
          'linux/arm64',
          '--output',
          `oci:${join(dir, 'out')}`,
          '-q',
        ]),
      };
      for (const [command, run] of Object.entries(runs)) {
        expect({ command, status: run.status, out: run.out }).toEqual({ command, status: 2, out: '' });
        expect(errorLines(run.err), command).toEqual([
          `error: ${spec} has no linux/arm64 image; it has linux/amd64`,
        ]);
      }
    }
    // The asked-for platform of the same image is read by all three.
    const ok = await cli(['analyze', `oci:${join(dir, 'layout')}:v1`, '--platform', 'linux/amd64', '--json']);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ platform: { os: 'linux', architecture: 'amd64' } });
  });
});
