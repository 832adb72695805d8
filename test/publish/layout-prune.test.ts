import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { artifactOf, type Descriptor, type Image } from '../../src/oci/index.js';
import { writeLayout } from '../../src/publish/layout.js';
import { pruneDetached } from '../../src/publish/layout-prune.js';
import { testImage } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

async function descriptorOf(image: Image): Promise<Descriptor> {
  return {
    mediaType: await image.mediaType(),
    digest: await image.digest(),
    size: (await image.rawManifest()).length,
  };
}

const noteOn = (subject: Descriptor, text: string) =>
  artifactOf({
    artifactType: 'application/vnd.example.note',
    layers: [{ mediaType: 'text/plain', data: Buffer.from(text) }],
    subject,
  });

const entries = async (dir: string): Promise<string[]> =>
  (
    JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] }
  ).manifests
    .map((d) => d.digest)
    .sort();

describe('pruneDetached (publish/layout-prune.ts)', () => {
  it('removes what is attached to a replaced image, and of what is attached to it, keeping what it cannot read', async () => {
    const dir = await tempDir();
    const layout = join(dir, 'out');
    const old = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from('old') }]);
    await writeLayout(layout, { kind: 'image', image: old }, { tag: 'v1' });
    const note = noteOn(await descriptorOf(old), 'about old');
    await writeLayout(layout, { kind: 'artifact', artifact: note });
    const noteOfNote = noteOn(
      {
        mediaType: await note.mediaType(),
        digest: await note.digest(),
        size: (await note.rawManifest()).length,
      },
      'about the note',
    );
    await writeLayout(layout, { kind: 'artifact', artifact: noteOfNote });
    // An entry whose manifest is not one: never taken for an attachment, and no error.
    const unreadable = await testImage(dir, [
      { type: 'file', path: '/b', source: Buffer.from('unreadable') },
    ]);
    await writeLayout(layout, { kind: 'image', image: unreadable }, { tag: 'broken' });
    await writeFile(
      join(layout, 'blobs', 'sha256', (await unreadable.digest()).slice('sha256:'.length)),
      'not json',
    );

    const next = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from('new') }]);
    const written = await writeLayout(layout, { kind: 'image', image: next }, { tag: 'v1' });
    expect(written.replaced).toEqual([await old.digest()]);
    expect(await pruneDetached(layout, written.replaced)).toBe(2);
    expect(await entries(layout)).toEqual([await next.digest(), await unreadable.digest()].sort());
    // Nothing more to remove: a second call writes nothing.
    expect(await pruneDetached(layout, written.replaced)).toBe(0);
  });
});
