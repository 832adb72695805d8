import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { TarWalker, tarWalkerSink, type TarEntry, type TarEntrySink } from '../../src/oci/index.js';
import { failure } from '../helpers/failure.js';
import { tarOf } from '../helpers/tar-layers.js';
import { tempDir } from '../helpers/tmp.js';

interface Seen {
  name: string;
  type: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  linkname: string | undefined;
  data: string;
}

/** Every entry and its data as TarWalker reads `bytes` fed in chunks of `chunk` bytes. */
async function walk(bytes: Buffer, chunk = 4096, sink?: (e: TarEntry) => TarEntrySink): Promise<Seen[]> {
  const seen: Seen[] = [];
  const walker = new TarWalker('layer 0', (e) => {
    const parts: Buffer[] = [];
    const s: Seen = { ...pick(e), data: '' };
    seen.push(s);
    const extra = sink?.(e);
    return {
      data: (c) => {
        parts.push(Buffer.from(c));
        extra?.data?.(c);
      },
      end: () => {
        s.data = Buffer.concat(parts).toString('latin1');
        return extra?.end?.();
      },
    };
  });
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  await pipeline(Readable.from(parts), tarWalkerSink(walker));
  return seen;
}

function pick(e: Pick<TarEntry, 'name' | 'size' | 'mode' | 'uid' | 'gid' | 'linkname'> & { type: string }) {
  return {
    name: e.name,
    type: e.type,
    size: e.size,
    mode: e.mode,
    uid: e.uid,
    gid: e.gid,
    linkname: e.linkname ?? undefined,
  };
}

/** The same, as tar-stream reads it: the reference the walker must agree with on well-formed tars. */
async function tarStream(bytes: Buffer): Promise<Seen[]> {
  const seen: Seen[] = [];
  const extract = tar.extract();
  extract.on('entry', (h, stream, next) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: unknown) => parts.push(c as Buffer));
    stream.on('end', () => {
      seen.push({
        ...pick({
          ...h,
          type: h.type ?? 'other',
          size: h.size ?? 0,
          mode: h.mode ?? 0,
          uid: h.uid ?? 0,
          gid: h.gid ?? 0,
          linkname: h.linkname ?? undefined,
        }),
        data: Buffer.concat(parts).toString('latin1'),
      });
      next();
    });
  });
  await pipeline(Readable.from([bytes]), extract);
  return seen;
}

/** As `walk`, but through one buffer filled again for every chunk and scribbled over once the walker is done with it. */
async function walkLent(bytes: Buffer, chunk: number): Promise<Seen[]> {
  const seen: Seen[] = [];
  const walker = new TarWalker('layer 0', (e) => {
    const parts: Buffer[] = [];
    const s: Seen = { ...pick(e), data: '' };
    seen.push(s);
    return {
      data: (c) => parts.push(Buffer.from(c)),
      end: () => {
        s.data = Buffer.concat(parts).toString('latin1');
      },
    };
  });
  const lent = Buffer.alloc(chunk);
  for (let i = 0; i < bytes.length; i += chunk) {
    const n = bytes.copy(lent, 0, i, i + chunk);
    await walker.write(lent.subarray(0, n));
    lent.fill(0xaa);
  }
  walker.end();
  return seen;
}

describe('TarWalker', () => {
  it('reads what tar-stream reads (ustar prefix, PAX names, links), however the stream is chunked', async () => {
    const t = await tarOf([
      { header: { name: 'etc/', type: 'directory', mode: 0o755 } },
      { header: { name: 'etc/hosts', mode: 0o644, uid: 1000, gid: 1000 }, data: '127.0.0.1 x\n' },
      { header: { name: 'deep/'.repeat(30) + 'prefixed' }, data: 'y'.repeat(700) },
      { header: { name: 'é/'.repeat(60) + 'utf8' }, data: 'z' },
      { header: { name: 'link', type: 'symlink', linkname: 'target/'.repeat(20) + 'far' } },
      { header: { name: 'hard', type: 'link', linkname: 'etc/hosts' } },
      {
        header: { name: 'caps', pax: { 'SCHILY.xattr.security.capability': 'x', comment: 'a\nb' } },
        data: '',
      },
      { header: { name: 'last', mode: 0o4755 }, data: Buffer.alloc(1024, 7) },
    ]);
    const want = await tarStream(t);
    expect(want.length).toBe(8);
    for (const chunk of [1, 7, 511, 512, 513, 100_000]) expect(await walk(t, chunk)).toEqual(want);
    for (const chunk of [1, 7, 513]) expect(await walkLent(t, chunk)).toEqual(want);
    // Headers at an odd address in their chunk (summed byte by byte, not four bytes at a time).
    const odd = Buffer.alloc(t.length + 1);
    t.copy(odd, 1);
    expect(await walk(odd.subarray(1), 100_000)).toEqual(want);
    expect(await walk(Buffer.alloc(0))).toEqual([]);
  });

  it("reads GNU tar's long names and links (L and K headers) as tar-stream does", async () => {
    const dir = await tempDir();
    const long = join(dir, 'src', 'd'.repeat(120));
    await mkdir(long, { recursive: true });
    await writeFile(join(long, 'f'.repeat(110)), 'gnu data\n');
    execFileSync('ln', ['-s', 'l'.repeat(150), join(long, 'symlink')]);
    const out = join(dir, 'gnu.tar');
    execFileSync('tar', ['--format=gnu', '-cf', out, '-C', join(dir, 'src'), '.']);
    const t = await readFile(out);
    const want = await tarStream(t);
    expect(want.map((e) => e.name)).toContain(`./${'d'.repeat(120)}/${'f'.repeat(110)}`);
    expect(want.find((e) => e.type === 'symlink')?.linkname).toBe('l'.repeat(150));
    for (const chunk of [3, 4096]) expect(await walk(t, chunk)).toEqual(want);
    // Chunks are lent: long names and PAX records that span chunks are copied, not kept as views.
    for (const chunk of [3, 100, 512]) expect(await walkLent(t, chunk)).toEqual(want);
  });

  it('takes owners from PAX uid and gid records, as GNU tar writes them past the ustar field', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'f'), 'x');
    const file = join(dir, 'big-ids.tar');
    execFileSync('tar', [
      '--format=pax',
      '--owner=:3000000',
      '--group=:3000001',
      '-C',
      dir,
      '-cf',
      file,
      'f',
    ]);
    const t = await readFile(file);
    expect(t.includes('uid=3000000')).toBe(true);
    const [e] = await walk(t, 512);
    expect(e).toMatchObject({ name: 'f', uid: 3_000_000, gid: 3_000_001, data: 'x' });
    const bad = Buffer.from(t);
    bad.write('x', bad.indexOf('uid=3000000') + 'uid='.length, 'latin1');
    expect((await failure(walk(bad, 512))).message).toMatch(/has a PAX uid that is not a number/);
  });

  it('hands over PAX values as raw bytes (a security.capability value is binary)', async () => {
    const t = await tarOf([
      { header: { name: 'ping', pax: { 'SCHILY.xattr.security.capability': 'AB' } }, data: '' },
    ]);
    // Replace the value's two bytes with 0x01 0xff: not UTF-8, as a real capability value is not.
    const at = t.indexOf('capability=AB') + 'capability='.length;
    t[at] = 0x01;
    t[at + 1] = 0xff;
    let raw: Buffer | undefined;
    await walk(t, 512, (e) => {
      raw = e.pax?.get('SCHILY.xattr.security.capability');
      return {};
    });
    expect(raw && [...raw]).toEqual([0x01, 0xff]);
  });

  it('waits for an entry sink that returns a promise before reading the next header', async () => {
    const t = await tarOf([
      { header: { name: 'a' }, data: 'x' },
      { header: { name: 'b' }, data: 'y' },
    ]);
    const order: string[] = [];
    await walk(t, 100_000, (e) => ({
      end: async () => {
        await new Promise((r) => setTimeout(r, 20));
        order.push(`end ${e.name}`);
      },
      data: () => order.push(`data ${e.name}`),
    }));
    expect(order).toEqual(['data a', 'end a', 'data b', 'end b']);
  });

  it('lets a reader that can seek pass over data no sink wants, and reads the same entries after it', async () => {
    const big = Buffer.alloc(300_000, 'b');
    big.write('HEAD', 0);
    const t = await tarOf([
      { header: { name: 'small' }, data: 'tiny' },
      { header: { name: 'big' }, data: big },
      { header: { name: 'dir/', type: 'directory' } },
      { header: { name: 'after' }, data: 'last' },
    ]);
    // Sinks that want 4 bytes of each file, as fileContentSink wants an ELF's magic.
    const heads: Record<string, string> = {};
    const ended: string[] = [];
    const walker = new TarWalker('layer 0', (e) => {
      let got = '';
      return {
        data: (c) => (got += c.toString('latin1')),
        wantsMore: () => got.length < 4,
        end: () => {
          heads[e.name] = got.slice(0, 4);
          ended.push(e.name);
        },
      };
    });
    let read = 0;
    for (let at = 0; at < t.length;) {
      const n = Math.min(1000, t.length - at);
      await walker.write(t.subarray(at, at + n));
      at += n;
      read += n;
      const skip = Math.min(walker.skippable(), t.length - at);
      expect(() => walker.skip(skip + 1)).toThrow(/past the skippable data/);
      await walker.skip(skip);
      at += skip;
    }
    walker.end();
    expect(ended).toEqual(['small', 'big', 'dir/', 'after']);
    expect(heads).toEqual({ small: 'tiny', big: 'HEAD', 'dir/': '', after: 'last' });
    expect(read).toBeLessThan(t.length - 290_000);
  });

  it('never offers to skip a sink that wants its data, a header, or a PAX record', async () => {
    const t = await tarOf([{ header: { name: 'x'.repeat(200) }, data: Buffer.alloc(5000, 1) }]);
    const walker = new TarWalker('layer 0', () => ({ data: () => undefined }));
    for (let at = 0; at < t.length; at += 100) {
      await walker.write(t.subarray(at, at + 100));
      expect(walker.skippable()).toBe(0);
    }
    walker.end();
  });

  it('ignores what follows two zero blocks and refuses a header after one', async () => {
    const one = await tarOf([{ header: { name: 'a' }, data: 'x' }]);
    const end = one.length - 1024;
    const garbage = Buffer.concat([one, Buffer.from('trailing bytes after the end of the archive')]);
    expect((await walk(garbage)).map((e) => e.name)).toEqual(['a']);
    // One zero block, then an entry Docker's archive/tar would refuse and tar-stream would have read.
    const hidden = Buffer.concat([
      one.subarray(0, end),
      Buffer.alloc(512),
      one.subarray(0, end),
      Buffer.alloc(1024),
    ]);
    const err = await failure(walk(hidden));
    expect(err.message).toBe(`layer 0 has a tar header after the end-of-archive block at byte ${end + 512}`);
  });

  it('refuses the damage tarCheck refuses, with its messages', async () => {
    const t = await tarOf([
      { header: { name: 'a' }, data: 'x' },
      { header: { name: 'b' }, data: 'y' },
    ]);
    const bad = Buffer.from(t);
    bad[1034] = (bad[1034] ?? 0) ^ 0xff;
    expect((await failure(walk(bad, 100))).message).toBe(
      'layer 0 is not a tar archive (bad header at byte 1024)',
    );
    // Where the header lies at an odd address in the chunk (summed byte by byte, not by words), the same.
    const odd = Buffer.alloc(bad.length + 1);
    bad.copy(odd, 1);
    expect((await failure(walk(odd.subarray(1), 100_000))).message).toBe(
      'layer 0 is not a tar archive (bad header at byte 1024)',
    );
    const negative = Buffer.from(t);
    negative.fill(0xff, 124, 136);
    negative.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of negative.subarray(0, 512)) sum += b;
    negative.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    expect((await failure(walk(negative))).message).toBe(
      'layer 0 has a tar header with an invalid size at byte 0',
    );
    const pax = await tarOf([{ header: { name: 'x', pax: { path: 'one' } }, data: '' }]);
    pax.write('9', pax.indexOf('path=one') - 3, 'latin1');
    expect((await failure(walk(pax, 3))).message).toMatch(
      /^layer 0 \(PAX header at byte 0\): malformed PAX record: /,
    );
    expect((await failure(walk(Buffer.from('not a tar at all')))).message).toBe(
      'layer 0 is not a tar archive',
    );
    const cut = await failure(walk(t.subarray(0, 600)));
    expect([cut.code, cut.message]).toEqual([
      'INVALID_IMAGE',
      'layer 0: tar stream is truncated (it ends inside an entry)',
    ]);
  });
});
