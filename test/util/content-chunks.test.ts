import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { contentChunker, fixedChunker, type Chunker } from '../../src/util/content-chunks.js';
import type { GzipChunkCache } from '../../src/util/gzip-chunk-cache.js';
import { createParallelGzip } from '../../src/util/parallel-gzip.js';

/** `n` bytes that look random and are the same on every run: sha256 in counter mode. */
function bytes(n: number, seed: string): Buffer {
  const out = Buffer.alloc(n);
  for (let at = 0, i = 0; at < n; at += 32, i++) {
    createHash('sha256').update(`${seed} ${i}`).digest().copy(out, at);
  }
  return out;
}

/** The chunks `chunker` cuts all of `data` into. */
function chunks(chunker: Chunker, data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < data.length;) {
    const end = chunker.cut(data, at, true);
    out.push(data.subarray(at, end));
    at = end;
  }
  return out;
}

const hashOf = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A cache in memory that counts what it was asked. */
function countingCache(): GzipChunkCache & { hits: number; misses: number } {
  const members = new Map<string, Buffer>();
  const cache = {
    hits: 0,
    misses: 0,
    get: async (chunk: Buffer, level: number) => {
      const m = members.get(`${level} ${hashOf(chunk)}`);
      if (m) cache.hits++;
      else cache.misses++;
      return m;
    },
    set: async (chunk: Buffer, level: number, member: Buffer) => {
      members.set(`${level} ${hashOf(chunk)}`, member);
    },
  };
  return cache;
}

async function gzip(data: Buffer, options: Parameters<typeof createParallelGzip>[0], pieces: number[]) {
  const parts: Buffer[] = [];
  let at = 0;
  for (const size of pieces) {
    parts.push(data.subarray(at, Math.min(data.length, at + size)));
    at += size;
  }
  if (at < data.length) parts.push(data.subarray(at));
  return buffer(Readable.from(parts).pipe(createParallelGzip({ concurrency: 3, ...options })));
}

describe('content-defined chunks', () => {
  const chunker = contentChunker();
  const data = bytes(4 << 20, 'binary');

  it('goes on from where an earlier search of the same bytes stopped, to the same cut', () => {
    let at = 0;
    for (let n = 0; n < 12; n++) {
      const cut = chunker.cut(data, at, true);
      // Every prefix that held no cut (a streaming caller's -1), searched again from where it stopped.
      for (const prefix of [1, 31, 32, 33, 64 << 10, (64 << 10) + 1, cut - at - 1, cut - at - 32]) {
        if (prefix <= 0 || prefix >= cut - at) continue;
        expect(chunker.cut(data.subarray(0, at + prefix), at, false)).toBe(-1);
        expect(chunker.cut(data, at, true, prefix)).toBe(cut);
      }
      at = cut;
    }
  });

  it('cuts where the definition says: the hash of the 32 bytes ending there, recomputed at each byte', () => {
    // The gear table as content-chunks.ts makes it (xorshift32 from 0x9e3779b9): part of the layer format.
    const gear: number[] = [];
    for (let i = 0, x = 0x9e3779b9 | 0; i < 256; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      gear.push(x);
    }
    const [min, max, mask] = [64 << 10, 512 << 10, (~0 << 15) | 0];
    /** The end of the chunk at `at`, from scratch: no rolling state, each candidate's window hashed alone. */
    const reference = (data: Buffer, at: number): number => {
      for (let i = at + min; i < Math.min(data.length, at + max); i++) {
        let h = 0;
        for (let k = Math.max(at, i - 31); k <= i; k++)
          h = ((h << 1) + (gear[data[k] as number] as number)) | 0;
        if ((h & mask) === 0) return i + 1;
      }
      return Math.min(data.length, at + max);
    };
    // Random bytes, and long runs of zeros and of one repeated pattern, as a Go binary has.
    const data = Buffer.concat([bytes(1 << 20, 'ref'), Buffer.alloc(600 << 10), bytes(700 << 10, 'ref2')]);
    const want: number[] = [];
    for (let at = 0; at < data.length; at = want[want.length - 1] as number) want.push(reference(data, at));
    const chunker = contentChunker();
    const got: number[] = [];
    for (let at = 0; at < data.length; at = chunker.cut(data, at, true))
      got.push(chunker.cut(data, at, true));
    expect(got).toEqual(want);
    expect(want.length).toBeGreaterThan(5);
  });

  it('cuts every chunk between 64 KiB and 512 KiB (the last may be shorter), covering all the bytes', () => {
    const cut = chunks(chunker, data);
    expect(cut.length).toBeGreaterThan(8);
    for (const c of cut.slice(0, -1)) {
      expect(c.length).toBeGreaterThan(64 << 10);
      expect(c.length).toBeLessThanOrEqual(512 << 10);
    }
    expect(Buffer.concat(cut).equals(data)).toBe(true);
    // Runs of one byte value never match the hash: the maximum cuts them.
    expect(chunks(chunker, Buffer.alloc(1 << 20)).map((c) => c.length)).toEqual([512 << 10, 512 << 10]);
  });

  it('finds the same chunks again after bytes are inserted before them', () => {
    const edited = Buffer.concat([
      data.subarray(0, 100_000),
      Buffer.from('a longer string'),
      data.subarray(100_000),
    ]);
    const before = new Set(chunks(chunker, data).map(hashOf));
    const after = chunks(chunker, edited);
    const reused = after.filter((c) => before.has(hashOf(c))).reduce((n, c) => n + c.length, 0);
    expect(reused / edited.length).toBeGreaterThan(0.85);
    // Fixed-size chunks after the insertion all differ.
    const fixedBefore = new Set(chunks(fixedChunker(128 << 10), data).map(hashOf));
    const fixedAfter = chunks(fixedChunker(128 << 10), edited).filter((c) => fixedBefore.has(hashOf(c)));
    expect(fixedAfter.length).toBe(0);
  });

  it('gives the same gzip bytes however the input arrives, and they inflate to the input', async () => {
    const one = await gzip(data, { chunker }, [data.length]);
    const small = await gzip(data, { chunker }, Array(200).fill(4099));
    const odd = await gzip(data, { chunker }, [1, 70_000, 3, 600_000, 512, 2 << 20]);
    expect(small.equals(one)).toBe(true);
    expect(odd.equals(one)).toBe(true);
    expect(gunzipSync(one).equals(data)).toBe(true);
  });

  it('after an insertion, takes most members from the chunk cache', async () => {
    const cache = countingCache();
    await gzip(data, { chunker, cache }, [1 << 20, 1 << 20, 1 << 20, 1 << 20]);
    expect(cache.hits).toBe(0);
    const edited = Buffer.concat([
      data.subarray(0, 2_000_000),
      Buffer.from('x'.repeat(6)),
      data.subarray(2_000_000),
    ]);
    cache.misses = 0;
    const out = await gzip(edited, { chunker, cache }, [1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20]);
    expect(gunzipSync(out).equals(edited)).toBe(true);
    expect(cache.misses).toBeLessThanOrEqual(2);
    expect(cache.hits).toBeGreaterThan(cache.misses * 4);
  });

  it('a fixed chunker cuts where chunkSize did', async () => {
    const small = data.subarray(0, 700_000);
    const byChunker = await gzip(small, { chunker: fixedChunker(64 << 10) }, [123_456, 300_000]);
    const bySize = await gzip(small, { chunkSize: 64 << 10 }, [small.length]);
    expect(byChunker.equals(bySize)).toBe(true);
    expect(fixedChunker(64 << 10).key).not.toBe(contentChunker().key);
  });
});
