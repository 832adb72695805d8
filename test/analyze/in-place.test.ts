// The built CLI reads blobs that lie in local files in place: the analysis worker hashes them from the file while
// the walk reads the same bytes, and attributes Go binaries by reading them there. These tests run the built CLI
// (the sources under vitest have no worker and take the streamed path) against that streamed path.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import tar from 'tar-stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analyze/analyze.js';
import { openImage } from '../../src/analyze/open.js';
import { digestHex, sha256 } from '../../src/oci/index.js';
import { runCli } from '../cli/build-helpers.js';
import { HELLO_DIR } from '../go/go-fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const BIN = fileURLToPath(new URL('../../bin/minnow.cjs', import.meta.url));
const run = promisify(execFile);

/** Runs the built CLI; its exit code, stdout and stderr (a failure is not thrown). */
async function built(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A legacy `docker save` archive of an image (what the Engine writes before Docker 25): layers as plain tars. */
async function legacyArchive(layout: string, file: string): Promise<void> {
  const image = await openImage(`oci:${layout}:v1`);
  const rawConfig = await image.rawConfig();
  const pack = tar.pack();
  const configName = `${digestHex(sha256(rawConfig))}.json`;
  pack.entry({ name: configName, mtime: new Date(0) }, rawConfig);
  const layers: string[] = [];
  for (const [i, layer] of (await image.layers()).entries()) {
    const chunks: Buffer[] = [];
    for await (const c of await layer.uncompressed()) chunks.push(c as Buffer);
    const name = `layer${i}/layer.tar`;
    pack.entry({ name, mtime: new Date(0) }, Buffer.concat(chunks));
    layers.push(name);
  }
  const manifest = [{ Config: configName, RepoTags: ['hello:v1'], Layers: layers }];
  pack.entry({ name: 'manifest.json', mtime: new Date(0) }, JSON.stringify(manifest));
  pack.finalize();
  const out: Buffer[] = [];
  for await (const c of pack) out.push(c as Buffer);
  await writeFile(file, Buffer.concat(out));
}

/** Where in `archive` the ELF binary's bytes start (the only ELF of the hello image). */
function elfOffset(archive: Buffer): number {
  const at = archive.indexOf(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]));
  expect(at).toBeGreaterThan(0);
  return at;
}

describe('analyze reads blobs in local files in place (built CLI, analysis worker)', () => {
  let dir: string;
  let layout: string;
  let archive: string;
  beforeAll(async () => {
    dir = await tempDir();
    layout = join(dir, 'img');
    expect((await runCli(['build', HELLO_DIR, '-o', `oci:${layout}:v1`, '-q'])).code).toBe(0);
    archive = join(dir, 'legacy.tar');
    await legacyArchive(layout, archive);
  }, 120_000);

  it('gives the analysis the streamed read gives, Go attribution included, for an archive and a layout', async () => {
    for (const ref of [`docker-archive:${archive}`, `oci:${layout}:v1`]) {
      const streamed = JSON.parse(JSON.stringify(await analyzeImage(await openImage(ref)))) as Record<
        string,
        unknown
      >;
      const r = await built(['analyze', ref, '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const inPlace = JSON.parse(r.stdout) as Record<string, unknown>;
      for (const key of ['digest', 'size', 'layers', 'files', 'efficiency', 'goBinaries', 'findings'])
        expect(inPlace[key], `${ref}: ${key}`).toEqual(streamed[key]);
      const go = inPlace.goBinaries as { path: string; attribution?: { attributed: number } }[];
      expect(go.map((b) => b.path)).toEqual(['/app/hello']);
      expect(go[0]?.attribution?.attributed).toBeGreaterThan(100_000);
    }
  });

  it('fails with DIGEST_MISMATCH when a byte of a binary in the archive differs, though the tar is sound', async () => {
    const bytes = await readFile(archive);
    const bad = Buffer.from(bytes);
    const at = elfOffset(bad) + 4096;
    bad[at] = (bad[at] as number) ^ 0xff;
    const file = join(dir, 'flipped.tar');
    await writeFile(file, bad);
    const r = await built(['analyze', `docker-archive:${file}`, '--json']);
    expect(r.code).not.toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'DIGEST_MISMATCH' } });
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/content hashes to sha256:[0-9a-f]{64}, want sha256:/);
    await expect(analyzeImage(await openImage(`docker-archive:${file}`))).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
    });
  });

  it('reports DIGEST_MISMATCH, not a malformed tar, when a changed header breaks the walk', async () => {
    const bad = Buffer.from(await readFile(archive));
    // The header of the binary's tar entry sits 512 bytes before its data: break its checksum.
    const header = elfOffset(bad) - 512;
    bad[header + 148] = 0x7a;
    const file = join(dir, 'header.tar');
    await writeFile(file, bad);
    const r = await built(['analyze', `docker-archive:${file}`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/content hashes to sha256:[0-9a-f]{64}, want sha256:/);
    expect(r.stderr).not.toMatch(/malformed/);
  });

  it('fails in one line when the archive ends inside a binary whose code the walk skips', async () => {
    const bytes = await readFile(archive);
    // Cut past the binary's headers, inside the code the walk passes over unread.
    const file = join(dir, 'cut.tar');
    await writeFile(file, bytes.subarray(0, elfOffset(bytes) + 1024 * 1024));
    const r = await built(['analyze', `docker-archive:${file}`, '--json']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      error: { code: expect.stringMatching(/INVALID_IMAGE|DIGEST_MISMATCH/) },
    });
  });

  it('fails when a layout blob is shorter or longer than its descriptor says', async () => {
    const image = await openImage(`oci:${layout}:v1`);
    const last = (await image.manifest()).layers.at(-1)!;
    const path = join(layout, 'blobs', 'sha256', digestHex(last.digest));
    const blob = await readFile(path);
    try {
      for (const changed of [blob.subarray(0, blob.length - 1), Buffer.concat([blob, Buffer.from('x')])]) {
        await writeFile(path, changed);
        const r = await built(['analyze', `oci:${layout}:v1`, '--json']);
        expect(r.code).not.toBe(0);
        expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'DIGEST_MISMATCH' } });
      }
    } finally {
      await writeFile(path, blob);
    }
  });
});
