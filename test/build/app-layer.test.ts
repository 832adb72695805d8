import { copyFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { appLayer, type AppLayerCompression } from '../../src/build/app-layer.js';
import { goBuildInto } from '../../src/go/build.js';
import { readGoBuildId } from '../../src/go/build-id.js';
import { findGo } from '../../src/go/find-go.js';
import { goEnvironment } from '../../src/go/platform-env.js';
import {
  emptyImage,
  hostPlatform,
  MediaType,
  mutate,
  validateImage,
  type LayerEntry,
} from '../../src/oci/index.js';
import { exec } from '../helpers/exec.js';
import { tempDir } from '../helpers/tmp.js';
import { HELLO_DIR } from '../go/go-fixtures.js';

const gzipAt = (level: number): AppLayerCompression => ({
  mediaType: MediaType.OciLayerGzip,
  key: `gzip level ${level}`,
  create: () => createGzip({ level }),
});

/** Every problem `validateImage` finds in an image made of just this layer (each blob re-hashed from its bytes). */
async function problemsOf(layer: Awaited<ReturnType<typeof appLayer>>): Promise<string[]> {
  const image = await mutate(emptyImage(hostPlatform()), { layers: [{ layer: layer.layer }] });
  return validateImage(image);
}

describe('appLayer', () => {
  it('reuses the last layer when the files, their contents and the compression are the same, and only then', async () => {
    const dir = await tempDir();
    const blobDir = join(dir, 'blobs');
    const file = join(dir, 'app');
    await writeFile(file, Buffer.alloc(300_000, 'a'));
    const entries: LayerEntry[] = [{ type: 'file', path: '/app/app', source: file, mode: 0o555 }];
    const first = await appLayer(entries, { blobDir, compression: gzipAt(6), mtime: 0 });
    expect(first.reused).toBe(false);
    expect(await problemsOf(first)).toEqual([]);
    const blobTime = (await stat(first.path)).mtimeMs;

    const again = await appLayer(entries, { blobDir, compression: gzipAt(6), mtime: 0 });
    expect(again.reused).toBe(true);
    expect([again.digest, again.diffId, again.size, again.uncompressedSize]).toEqual([
      first.digest,
      first.diffId,
      first.size,
      first.uncompressedSize,
    ]);
    expect((await stat(again.path)).mtimeMs).toBe(blobTime);
    expect(await problemsOf(again)).toEqual([]);

    // Same size, other bytes: written again, to another digest.
    await writeFile(file, Buffer.alloc(300_000, 'b'));
    const edited = await appLayer(entries, { blobDir, compression: gzipAt(6), mtime: 0 });
    expect(edited.reused).toBe(false);
    expect(edited.diffId).not.toBe(first.diffId);

    // Another level, another mode, another mtime: each is another layer.
    expect((await appLayer(entries, { blobDir, compression: gzipAt(1), mtime: 0 })).reused).toBe(false);
    const mode: LayerEntry[] = [{ type: 'file', path: '/app/app', source: file, mode: 0o500 }];
    expect((await appLayer(mode, { blobDir, compression: gzipAt(1), mtime: 0 })).reused).toBe(false);
    expect((await appLayer(mode, { blobDir, compression: gzipAt(1), mtime: 7 })).reused).toBe(false);
    expect((await appLayer(mode, { blobDir, compression: gzipAt(1), mtime: 7 })).reused).toBe(true);
  });

  it('writes the layer again when its blob is gone', async () => {
    const dir = await tempDir();
    const blobDir = join(dir, 'blobs');
    const file = join(dir, 'app');
    await writeFile(file, 'hello');
    const entries: LayerEntry[] = [{ type: 'file', path: '/app/app', source: file }];
    const first = await appLayer(entries, { blobDir, compression: gzipAt(6), mtime: 0 });
    await rm(first.path);
    const again = await appLayer(entries, { blobDir, compression: gzipAt(6), mtime: 0 });
    expect(again.reused).toBe(false);
    expect(again.digest).toBe(first.digest);
    expect(await problemsOf(again)).toEqual([]);
    expect((await readdir(blobDir)).filter((n) => !n.startsWith('.'))).toEqual([first.digest.slice(7)]);
  });
});

describe('readGoBuildId (real go)', () => {
  it('reads what `go tool buildid` reads, and nothing from a binary without one', async () => {
    const go = await findGo();
    const dir = await tempDir();
    await goBuildInto({
      go,
      dir: HELLO_DIR,
      env: goEnvironment({ platform: hostPlatform() }),
      packages: ['.'],
      outDir: dir,
    });
    const bin = join(dir, 'hello');
    expect(await readGoBuildId(bin)).toBe((await exec(go, ['tool', 'buildid', bin])).trim());
    // Go's -buildid= leaves no note; a non-ELF file has none.
    const bare = join(dir, 'bare');
    await exec(go, ['build', '-trimpath', '-ldflags=-s -w -buildid=', '-o', bare, '.'], {
      cwd: HELLO_DIR,
      env: goEnvironment({ platform: hostPlatform() }),
    });
    expect(await readGoBuildId(bare)).toBeUndefined();
    await copyFile(join(HELLO_DIR, 'main.go'), join(dir, 'main.go'));
    expect(await readGoBuildId(join(dir, 'main.go'))).toBeUndefined();
  }, 300_000);
});
