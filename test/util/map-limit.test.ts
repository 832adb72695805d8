import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../src/util/map-limit.js';

describe('mapLimit', () => {
  it('runs at most `limit` tasks at once and keeps the input order', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([30, 5, 20, 1, 10], 2, async (ms) => {
      running++;
      peak = Math.max(peak, running);
      await sleep(ms);
      running--;
      return ms * 2;
    });
    expect(out).toEqual([60, 10, 40, 2, 20]);
    expect(peak).toBe(2);
  });

  it('rejects with the first failure', async () => {
    await expect(
      mapLimit([1, 2, 3], 3, async (n) => {
        if (n === 2) throw new Error('two');
        return n;
      }),
    ).rejects.toThrow('two');
  });

  it('starts nothing after a failure and throws it only once the running tasks have settled', async () => {
    const started: number[] = [];
    let settled = 0;
    const run = mapLimit([1, 2, 3, 4, 5], 2, async (n, i) => {
      started.push(n);
      expect(i).toBe(n - 1);
      if (n === 1) throw new Error('one');
      await sleep(30);
      settled++;
      return n;
    });
    await expect(run).rejects.toThrow('one');
    expect(started).toEqual([1, 2]);
    expect(settled).toBe(1);
  });
});
