import type { Readable, Writable } from 'node:stream';

/**
 * Splits the Engine's multiplexed stdio stream (attach or logs of a container without a TTY) into `stdout` and
 * `stderr`: each frame is an 8-byte header (stream 1 stdout or 2 stderr, three zero bytes, the payload's length
 * as a big-endian uint32) and its payload. Resolves when the stream ends; frames split across chunks are joined.
 */
export function demuxStdio(source: Readable, stdout: Writable, stderr: Writable): Promise<void> {
  let pending: Buffer = Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    source.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 8) {
        const size = pending.readUInt32BE(4);
        if (pending.length < 8 + size) break;
        const payload = pending.subarray(8, 8 + size);
        (pending[0] === 2 ? stderr : stdout).write(payload);
        pending = pending.subarray(8 + size);
      }
    });
    source.once('end', resolve);
    source.once('close', resolve);
    source.once('error', reject);
  });
}
