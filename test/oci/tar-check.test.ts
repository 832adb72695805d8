import { describe, expect, it } from 'vitest';
import { parsePaxRecords, tarNumber } from '../../src/oci/index.js';
import { failure } from '../helpers/failure.js';
import { checkTar as check, tarOf } from '../helpers/tar-layers.js';

/** A tar whose first header's size field is `field`, its checksum recomputed. */
async function withSizeField(field: Buffer): Promise<Buffer> {
  const t = await tarOf([{ header: { name: 'a' }, data: '' }]);
  field.copy(t, 124);
  t.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of t.subarray(0, 512)) sum += b;
  t.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return t;
}

describe('tarCheck', () => {
  it('passes real tars, PAX headers and long names included, however the stream is chunked', async () => {
    const t = await tarOf([
      { header: { name: 'etc/hosts' }, data: '127.0.0.1 x\n' },
      { header: { name: 'long/'.repeat(40) + 'name' }, data: 'x'.repeat(700) },
      {
        header: { name: 'caps', pax: { 'SCHILY.xattr.security.capability': 'x', comment: 'a\nb' } },
        data: '',
      },
    ]);
    for (const chunk of [1, 7, 512, 100_000]) await check(t, chunk);
    await check(Buffer.alloc(0));
  });

  it('refuses a negative base-256 size, naming the byte', async () => {
    const err = await failure(check(await withSizeField(Buffer.alloc(12, 0xff))));
    expect(err.message).toBe('layer 0 has a tar header with an invalid size at byte 0');
  });

  it('refuses a PAX record whose length does not end it', async () => {
    const t = await tarOf([{ header: { name: 'x', pax: { path: 'one' } }, data: '' }]);
    // The record "12 path=one\n..." claims more bytes than it has.
    const at = t.indexOf('path=one');
    t.write('9', at - 3, 'latin1');
    const err = await failure(check(t, 3));
    expect(err.code).toBe('INVALID_IMAGE');
    expect(err.message).toMatch(/^layer 0 \(PAX header at byte 0\): malformed PAX record: /);
  });

  it('refuses a bad header after the first entry, naming its offset', async () => {
    const t = await tarOf([
      { header: { name: 'a' }, data: 'x' },
      { header: { name: 'b' }, data: 'y' },
    ]);
    t[1034] = (t[1034] ?? 0) ^ 0xff;
    const err = await failure(check(t, 100));
    expect(err.message).toBe('layer 0 is not a tar archive (bad header at byte 1024)');
  });
});

describe('tarNumber and parsePaxRecords', () => {
  it('reads octal and positive base-256; refuses negative and non-numbers', () => {
    expect(tarNumber(Buffer.from('00000000017\0'))).toBe(15);
    expect(tarNumber(Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0]))).toBe(2 * 65536);
    expect(tarNumber(Buffer.from([0xff, ...Buffer.alloc(11, 0xfe)]))).toBeUndefined();
    expect(tarNumber(Buffer.from('12x\0'))).toBeUndefined();
    // The fast path for plain fields and the text path for the rest agree with Go's trimming rules.
    const cases: [string, number | undefined][] = [
      ['   17 \0junk', 15],
      ['0000644 \0', 0o644],
      ['\0\0\0', 0],
      ['    ', 0],
      ['12 3\0', undefined],
      ['\t17\0', 15],
      ['17\t\0', 15],
      ['8\0', undefined],
      ['-1\0', undefined],
    ];
    for (const [field, want] of cases) {
      expect(tarNumber(Buffer.from(field, 'latin1')), JSON.stringify(field)).toBe(want);
      // The same field read in place, between bytes that are not its own (as the tar walker reads a header).
      const around = Buffer.concat([Buffer.from('7777'), Buffer.from(field, 'latin1'), Buffer.from('7 x')]);
      expect(tarNumber(around, 4, field.length), `in place: ${JSON.stringify(field)}`).toBe(want);
    }
    const base256 = Buffer.concat([
      Buffer.from([0xff]),
      Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0]),
    ]);
    expect(tarNumber(base256, 1, 12)).toBe(2 * 65536);
  });

  it('reads well-formed records and refuses lying ones', () => {
    expect([...parsePaxRecords(Buffer.from('12 path=abc\n8 a=b=c\n'), 'h')]).toEqual([
      ['path', 'abc'],
      ['a', 'b=c'],
    ]);
    for (const bad of ['99 path=etc/one\nline two\n', '5 =x\n', 'x path=a\n', '12 path=abc!']) {
      expect(() => parsePaxRecords(Buffer.from(bad), 'h')).toThrow(/^h: malformed PAX record/);
    }
  });
});
