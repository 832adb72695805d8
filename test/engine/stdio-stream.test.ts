import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { demuxStdio } from '../../src/engine/stdio-stream.js';

const frame = (stream: 1 | 2, text: string): Buffer => {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

const sink = (): { stream: Writable; text: () => string } => {
  let text = '';
  return {
    stream: new Writable({ write: (c: Buffer, _e, done) => ((text += c.toString()), done()) }),
    text: () => text,
  };
};

describe('demuxStdio (the Engine’s multiplexed attach stream)', () => {
  it('splits frames into stdout and stderr, whatever chunks they arrive in', async () => {
    const source = new PassThrough();
    const [out, err] = [sink(), sink()];
    const done = demuxStdio(source, out.stream, err.stream);
    const bytes = Buffer.concat([frame(1, 'hello '), frame(2, 'oops\n'), frame(1, 'world\n'), frame(1, '')]);
    // One byte at a time: every header and payload is split across chunks.
    for (const b of bytes) source.write(Buffer.from([b]));
    source.end();
    await done;
    expect(out.text()).toBe('hello world\n');
    expect(err.text()).toBe('oops\n');
  });
});
