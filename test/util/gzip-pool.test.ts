import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GZIP_MEMBER_ENGINE } from '../../src/util/gzip-engine.js';
import { gzipMember } from '../../src/util/gzip-member.js';
import { GzipPool } from '../../src/util/gzip-pool.js';
import { compressFrame, loadZstd } from '../../src/util/zstd-frame.js';
import { tempDir } from '../helpers/tmp.js';

// The built worker (npm run build puts it in dist/util/), as the CLI runs it.
const WORKER = new URL('../../dist/util/gzip-worker.js', import.meta.url);

/** Chunks like a Go binary's: code-like random runs, zeros, repeats. */
function chunks(n: number): Buffer[] {
  const repeat = randomBytes(4096);
  return Array.from({ length: n }, (_, i) =>
    Buffer.concat([randomBytes(20_000 + i), Buffer.alloc(40_000, i), repeat, repeat, randomBytes(7)]),
  );
}

describe('gzipMember (libdeflate)', () => {
  it('round-trips, gives the same bytes every time, and writes mtime 0 and OS byte 3', () => {
    for (const data of [Buffer.alloc(0), Buffer.from('x'), ...chunks(2)]) {
      const a = gzipMember(data, 6);
      expect(gunzipSync(a).equals(data)).toBe(true);
      expect(gzipMember(data, 6).equals(a)).toBe(true);
      expect(a.subarray(0, 4)).toEqual(Buffer.from([0x1f, 0x8b, 8, 0]));
      expect(a.readUInt32LE(4)).toBe(0);
      expect(a[9]).toBe(3);
    }
  });

  it('refuses levels libdeflate does not have', () => {
    for (const level of [0, 13, 1.5]) expect(() => gzipMember(Buffer.from('x'), level)).toThrow(RangeError);
  });

  it('names the libdeflate.js it runs in every key (a new one must change the keys)', async () => {
    const pkg = JSON.parse(
      await readFile(new URL('../../node_modules/libdeflate/package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    expect(GZIP_MEMBER_ENGINE).toBe(`libdeflate.js ${pkg.version}`);
  });
});

describe('GzipPool', () => {
  it('gives the members this thread would, byte for byte, with helper threads doing part of the work', async () => {
    const pool = new GzipPool(WORKER, 8);
    const data = chunks(48);
    const members = await Promise.all(data.map((c) => pool.gzip(c, 6)));
    expect(pool.helpersStarted).toBeGreaterThan(0);
    members.forEach((m, i) => expect(m.equals(gzipMember(data[i]!, 6))).toBe(true));
  });

  it('makes zstd frames on helper threads too, byte for byte the frames this thread makes, gzip beside them', async () => {
    const pool = new GzipPool(WORKER, 8);
    const data = chunks(24);
    const encoder = await loadZstd();
    const [frames, members] = await Promise.all([
      Promise.all(data.map((c) => pool.zstd(c, 3, { encoder, frame: compressFrame }))),
      Promise.all(data.map((c) => pool.gzip(c, 6))),
    ]);
    expect(pool.helpersStarted).toBeGreaterThan(0);
    frames.forEach((f, i) => expect(f.equals(compressFrame(encoder, data[i]!, 3))).toBe(true));
    members.forEach((m, i) => expect(m.equals(gzipMember(data[i]!, 6))).toBe(true));
  });

  it('compresses on this thread alone with one or two CPUs and a small input', async () => {
    const pool = new GzipPool(WORKER, 2);
    const data = chunks(8);
    const members = await Promise.all(data.map((c) => pool.gzip(c, 6)));
    expect(pool.helpersStarted).toBe(0);
    members.forEach((m, i) => expect(m.equals(gzipMember(data[i]!, 6))).toBe(true));
  });

  it('starts its helpers at once when told everything to come will be compressed, on two CPUs as on more', async () => {
    for (const cpus of [2, 8]) {
      const pool = new GzipPool(WORKER, cpus);
      pool.prestart();
      expect(pool.helpersStarted).toBe(Math.min(4, cpus - 1));
      const data = chunks(3);
      const members = await Promise.all(data.map((c) => pool.gzip(c, 6)));
      members.forEach((m, i) => expect(m.equals(gzipMember(data[i]!, 6))).toBe(true));
    }
    const alone = new GzipPool(WORKER, 1);
    alone.prestart();
    expect(alone.helpersStarted).toBe(0);
  });

  it('with one or two CPUs, starts its helpers at once when told a large input is coming', async () => {
    const small = new GzipPool(WORKER, 2);
    small.expect(512 << 10);
    expect(small.helpersStarted).toBe(0);
    const large = new GzipPool(WORKER, 2);
    large.expect(64 << 20);
    // Before a single member is asked for: ready while the first chunks are read and cut.
    expect(large.helpersStarted).toBe(1);
    const data = chunks(8);
    const members = await Promise.all(data.map((c) => large.gzip(c, 6)));
    members.forEach((m, i) => expect(m.equals(gzipMember(data[i]!, 6))).toBe(true));
  });

  it('a helper that dies takes no member with it: its chunk is done here', async () => {
    const dir = await tempDir();
    const dying = join(dir, 'dying-worker.mjs');
    await writeFile(
      dying,
      "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => process.exit(3));\nparentPort.postMessage({ ready: true });\n",
    );
    const pool = new GzipPool(pathToFileURL(dying), 8);
    const data = chunks(24);
    const members = await Promise.all(data.map((c) => pool.gzip(c, 6)));
    expect(pool.helpersStarted).toBeGreaterThan(0);
    members.forEach((m, i) => expect(m.equals(gzipMember(data[i]!, 6))).toBe(true));
  });

  it('sends a helper nothing before it says it is ready: this thread does the work meanwhile', async () => {
    const dir = await tempDir();
    // Never says it is ready, and answers whatever it is sent with bytes that are not gzip.
    const unready = join(dir, 'unready-worker.mjs');
    await writeFile(
      unready,
      "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', (j) => parentPort.postMessage({ id: j.id, member: new Uint8Array([1, 2, 3]) }));\n",
    );
    const pool = new GzipPool(pathToFileURL(unready), 8);
    pool.prestart();
    const data = chunks(24);
    const members = await Promise.all(data.map((c) => pool.gzip(c, 6)));
    expect(pool.helpersStarted).toBeGreaterThan(0);
    members.forEach((m, i) => expect(m.equals(gzipMember(data[i]!, 6))).toBe(true));
  });
});
