import { describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analyze/analyze.js';
import { failure } from '../helpers/failure.js';
import { imageOfLayers } from '../helpers/tar-layers.js';
import { tempDir } from '../helpers/tmp.js';

describe('the entry limit', () => {
  it('rejects the promise with LIMIT_EXCEEDED (no uncaught throw out of the tar handler), over two layers too', async () => {
    const dir = await tempDir();
    const files = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({ header: { name: `${prefix}/f${i}` }, data: 'x' }));
    const image = await imageOfLayers(dir, [files('a', 30), files('b', 30)]);
    const err = await failure(analyzeImage(image, { maxEntries: 50 }));
    expect(err.code).toBe('LIMIT_EXCEEDED');
    expect(err.message).toMatch(/more than 50 filesystem entries/);
    // Under the limit the same image is analyzed.
    expect((await analyzeImage(image, { maxEntries: 100 })).layers).toHaveLength(2);
  });
});
