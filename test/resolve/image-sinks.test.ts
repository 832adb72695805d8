import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLayout } from '../../src/base/layout.js';
import { sinksForImages } from '../../src/resolve/image-sinks.js';
import { testImage } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

describe('sinksForImages (resolve --output)', () => {
  it('writes many images into one layout at once without losing an index entry', async () => {
    const dir = await tempDir();
    const sinkFor = sinksForImages(`oci:${join(dir, 'layout')}`);
    const names = ['alpha', 'beta', 'gamma', 'delta'];
    const images = await Promise.all(
      names.map((n) => testImage(dir, [{ type: 'file', path: '/name', source: Buffer.from(n) }])),
    );
    const written = await Promise.all(
      names.map((n, i) =>
        sinkFor(`minnow.local/team/${n}:latest`, []).write({ kind: 'image', image: images[i]! }),
      ),
    );
    for (const [i, n] of names.entries()) {
      const back = await readLayout(join(dir, 'layout'), { tag: n });
      expect(back.kind === 'image' && (await back.image.digest())).toBe(written[i]!.digest);
      expect(written[i]!.digest).toBe(await images[i]!.digest());
    }
  });

  it('refuses a spec that would give every image the same name', () => {
    for (const spec of ['docker:x.tar', 'oci:dir:v1', 'daemon:app:v1']) {
      expect(() => sinksForImages(spec, { flag: '--output' }), spec).toThrow(
        new RegExp(`^invalid --output "${spec}": each image needs its own name here$`),
      );
    }
    expect(() => sinksForImages('out', { flag: '--output' })).toThrow(
      /^invalid --output "out": unknown kind/,
    );
  });
});
