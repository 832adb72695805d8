import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gearScanner } from '../../src/util/gear-scan.js';

/** `n` bytes that look random and are the same on every run: sha256 in counter mode. */
function bytes(n: number, seed: string): Buffer {
  const out = Buffer.alloc(n);
  for (let at = 0, i = 0; at < n; at += 32, i++)
    createHash('sha256').update(`${seed} ${i}`).digest().copy(out, at);
  return out;
}

describe('the WebAssembly gear scan', () => {
  // Any table will do for agreeing with the loop it replaces; these have both signs and all 32 bits in use.
  const gear = new Int32Array(
    new Uint32Array(256).map((_, i) => (Math.imul(i + 1, 0x9e3779b1) ^ (i << 7)) >>> 0).buffer,
  );
  /** The loop as JavaScript: what the scan must give for every input. */
  const loop = (data: Uint8Array, start: number, warmEnd: number, end: number, mask: number): number => {
    let h = 0;
    for (let i = start; i < end; i++) {
      h = ((h << 1) + (gear[data[i] as number] as number)) | 0;
      if (i >= warmEnd && (h & mask) === 0) return i + 1;
    }
    return -1;
  };

  it('gives the cut the JavaScript loop gives, from any start, warm-up and end, for any mask', () => {
    const scan = gearScanner(gear, 1 << 16);
    const data = Buffer.concat([bytes(1 << 18, 'scan'), Buffer.alloc(4096), bytes(4096, 'tail')]);
    let found = 0;
    for (let n = 0; n < 400; n++) {
      const r = createHash('sha256').update(`case ${n}`).digest();
      const start = r.readUInt32LE(0) % (data.length - 1);
      const end = Math.min(data.length, start + 1 + (r.readUInt32LE(4) % (1 << 16)));
      const warmEnd = start + (r.readUInt32LE(8) % (end - start + 1));
      const mask = (~0 << (32 - (4 + ((r[12] as number) % 14)))) | 0;
      const want = loop(data, start, warmEnd, end, mask);
      expect(scan(data, start, warmEnd, end, mask), `case ${n}`).toBe(want);
      if (want >= 0) found++;
    }
    // Both outcomes were tried.
    expect(found).toBeGreaterThan(50);
    expect(found).toBeLessThan(390);
  });

  it('refuses more bytes than it was made for', () => {
    const scan = gearScanner(gear, 1000);
    expect(() => scan(Buffer.alloc(2000), 0, 0, 1001, -1)).toThrow(RangeError);
    expect(scan(Buffer.alloc(2000, 1), 500, 500, 1500, 0)).toBe(501);
  });
});
