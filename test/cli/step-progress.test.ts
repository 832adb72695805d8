import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createStepProgress } from '../../src/cli/step-progress.js';
import { parseDigest } from '../../src/oci/digest.js';
import type { TransferProgress } from '../../src/registry/progress.js';

function fakeStream(tty: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new PassThrough() as unknown as NodeJS.WriteStream;
  stream.isTTY = tty;
  stream.columns = 80;
  stream.write = ((c: string | Uint8Array) => (chunks.push(String(c)), true)) as typeof stream.write;
  return { stream, text: () => chunks.join('') };
}

const event = (status: TransferProgress['status'], done: number): TransferProgress => ({
  direction: 'pull',
  kind: 'layer',
  digest: parseDigest(`sha256:${'ab'.repeat(32)}`),
  total: 2 * 1024 * 1024,
  done,
  status,
});

describe('createStepProgress', () => {
  it('draws a bar per layer on a TTY and leaves it on screen when the next step starts', () => {
    const { stream, text } = fakeStream(true);
    const p = createStepProgress(true, stream);
    p.transfer(event('start', 0));
    p.transfer(event('done', 2 * 1024 * 1024));
    p.update('next step');
    p.stop();
    const out = text();
    expect(out).toContain(`layer    ${'ab'.repeat(6)} ${'█'.repeat(24)} done`);
    // Nothing moved the cursor back up over the finished bar to erase it.
    expect(out.slice(out.lastIndexOf('done'))).not.toContain('\x1b[1A');
  });

  it('writes one line per step off a TTY, and nothing when disabled', () => {
    const lines = fakeStream(false);
    const p = createStepProgress(true, lines.stream);
    p.update('resolving');
    p.transfer(event('start', 0));
    p.transfer(event('progress', 1024));
    p.transfer(event('done', 2 * 1024 * 1024));
    p.stop();
    expect(lines.text()).toBe(
      `pull layer ${'ab'.repeat(6)} 2.10 MB: started\npull layer ${'ab'.repeat(6)} 2.10 MB: done\n`,
    );
    const quiet = fakeStream(true);
    const q = createStepProgress(false, quiet.stream);
    q.transfer(event('start', 0));
    q.stop();
    expect(quiet.text()).toBe('');
  });

  it('shows how long the current step has run, from when it started', async () => {
    const { stream, text } = fakeStream(true);
    const p = createStepProgress(true, stream);
    p.update('go build ./... (linux/amd64)');
    await new Promise((r) => setTimeout(r, 250));
    p.update('go build ./... (linux/amd64)');
    p.stop();
    const shown = [...text().matchAll(/go build \.\/\.\.\. \(linux\/amd64\) (\d+\.\d)s/g)].map((m) =>
      Number(m[1]),
    );
    expect(shown[0]).toBe(0);
    expect(Math.max(...shown)).toBeGreaterThanOrEqual(0.2);
  });
});
