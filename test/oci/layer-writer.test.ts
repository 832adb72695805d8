import { createReadStream } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { sha256, writeLayer, type LayerEntry } from '../../src/oci/index.js';
import { tempDir } from '../helpers/tmp.js';

async function listTar(data: Buffer): Promise<tar.Header[]> {
  const extract = tar.extract();
  const headers: tar.Header[] = [];
  extract.on('entry', (h, stream, next) => {
    headers.push(h);
    stream.on('end', next);
    stream.resume();
  });
  const done = new Promise<void>((resolve, reject) =>
    extract.on('finish', () => resolve()).on('error', reject),
  );
  extract.end(data);
  await done;
  return headers;
}

describe('writeLayer', () => {
  it('writes sorted entries with explicit parents, fixed owners and modes, and one mtime', async () => {
    const dir = await tempDir();
    const bin = join(dir, 'hello');
    await writeFile(bin, 'binary');
    const entries: LayerEntry[] = [
      { type: 'file', path: '/etc/ssl/certs/ca-certificates.crt', source: Buffer.from('certs') },
      { type: 'file', path: '/app/hello', source: bin, mode: 0o555 },
      { type: 'directory', path: '/tmp', mode: 0o1777 },
      { type: 'directory', path: '/home/nonroot', mode: 0o700, uid: 65532, gid: 65532 },
    ];
    const w = await writeLayer(entries, { blobDir: join(dir, 'blobs'), mtime: 0 });
    const blob = await readFile(w.path);
    expect(sha256(blob)).toBe(w.digest);
    expect(blob.length).toBe(w.size);
    // gzip header: no timestamp (bytes 4-7) and OS byte 3.
    expect(blob.subarray(4, 8).equals(Buffer.alloc(4))).toBe(true);
    expect(blob[9]).toBe(3);
    const tarBytes = gunzipSync(blob);
    expect(sha256(tarBytes)).toBe(w.diffId);
    expect(tarBytes.length).toBe(w.uncompressedSize);
    const headers = await listTar(tarBytes);
    expect(headers.map((h) => h.name)).toEqual([
      'app/',
      'app/hello',
      'etc/',
      'etc/ssl/',
      'etc/ssl/certs/',
      'etc/ssl/certs/ca-certificates.crt',
      'home/',
      'home/nonroot/',
      'tmp/',
    ]);
    const byName = new Map(headers.map((h) => [h.name, h]));
    expect(byName.get('app/hello')?.mode).toBe(0o555);
    expect(byName.get('etc/ssl/certs/ca-certificates.crt')?.mode).toBe(0o444);
    expect(byName.get('etc/')?.mode).toBe(0o555);
    expect(byName.get('tmp/')?.mode).toBe(0o1777);
    expect(byName.get('home/nonroot/')?.uid).toBe(65532);
    for (const h of headers) {
      expect(h.mtime?.getTime()).toBe(0);
      expect(h.uname ?? '').toBe('');
      expect(h.gname ?? '').toBe('');
    }
  });

  it('gives the same digest for the same input, and a different one for another mtime', async () => {
    const dir = await tempDir();
    const entries: LayerEntry[] = [{ type: 'file', path: '/a', source: Buffer.from('x') }];
    const a = await writeLayer(entries, { blobDir: join(dir, 'a'), mtime: 0 });
    const b = await writeLayer([...entries].reverse(), { blobDir: join(dir, 'b'), mtime: 0 });
    const c = await writeLayer(entries, { blobDir: join(dir, 'c'), mtime: 1700000000 });
    expect(a.digest).toBe(b.digest);
    expect(c.digest).not.toBe(a.digest);
  });

  it('refuses paths that climb out of the root', async () => {
    const dir = await tempDir();
    await expect(
      writeLayer([{ type: 'file', path: '/../../etc/passwd', source: Buffer.from('x') }], { blobDir: dir }),
    ).rejects.toMatchObject({ code: 'UNSAFE_PATH' });
  });

  it('refuses a missing source and one that is not a file in one line, before writing anything', async () => {
    const dir = await tempDir();
    const blobDir = join(dir, 'blobs');
    const missing = join(dir, 'no-such-binary');
    await expect(
      writeLayer([{ type: 'file', path: '/app/x', source: missing }], { blobDir, mtime: 0 }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: `cannot read ${missing} for /app/x` });
    await expect(
      writeLayer([{ type: 'file', path: '/app/x', source: dir }], { blobDir, mtime: 0 }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: `${dir} is not a regular file` });
    // Nothing was started: no blob directory, no temp file.
    await expect(readdir(dir)).resolves.toEqual([]);
  });

  it('serves the blob back verified', async () => {
    const dir = await tempDir();
    const w = await writeLayer([{ type: 'file', path: '/a', source: Buffer.from('x') }], {
      blobDir: dir,
      mtime: 0,
    });
    await writeFile(w.path, Buffer.concat([await readFile(w.path), Buffer.from('junk')]));
    const stream = await w.layer.compressed();
    await expect(
      (async () => {
        for await (const _ of stream) void _;
      })(),
    ).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    void createReadStream;
  });
});
