// The tar walker lends its chunks (an uncompressed layer in a local file is walked through one reused buffer):
// what fileContentSink keeps past a call must be a copy. Fed through one buffer that is scribbled over after each
// chunk, it must find what it finds when every chunk is its own.
import { describe, expect, it } from 'vitest';
import { fileContentSink } from '../../src/analyze/file-content.js';
import type { FileInfo } from '../../src/analyze/types.js';

function feed(
  path: string,
  content: Buffer,
  chunk: number,
  lend: boolean,
): { info: FileInfo; kept?: Buffer } {
  const info: FileInfo = { path, type: 'file', size: content.length, mode: 0o600, uid: 0, gid: 0, layer: 0 };
  const out: { info: FileInfo; kept?: Buffer } = { info };
  const sink = fileContentSink(info, { capture: (data) => (out.kept = data) });
  const buf = Buffer.alloc(chunk);
  for (let i = 0; i < content.length; i += chunk) {
    if (lend) {
      sink.data?.(buf.subarray(0, content.copy(buf, 0, i, i + chunk)));
      buf.fill(0xaa);
    } else sink.data?.(Buffer.from(content.subarray(i, i + chunk)));
  }
  void sink.end?.();
  return out;
}

describe('fileContentSink with lent chunks', () => {
  it('captures a system file and finds a key whatever the chunking, from a reused buffer', () => {
    const passwd = Buffer.from('root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532::/home:/sbin/nologin\n');
    const key = Buffer.from(
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n',
    );
    for (const chunk of [1, 2, 3, 5, 64]) {
      const lent = feed('/etc/passwd', passwd, chunk, true);
      expect(lent.kept?.equals(passwd), `chunk ${chunk}`).toBe(true);
      const own = feed('/root/id_rsa', key, chunk, false).info.secretContent;
      expect(own).toBeDefined();
      expect(feed('/root/id_rsa', key, chunk, true).info.secretContent, `chunk ${chunk}`).toBe(own);
    }
  });
});
