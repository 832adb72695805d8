import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CACHE_TOP_LEVEL, cacheLayout, minnowCacheDir } from '../../src/util/cache-layout.js';

describe('cacheLayout', () => {
  it('puts every area under the root, each at a top-level name minnow owns', () => {
    const root = '/c';
    const layout = cacheLayout(root);
    const paths = [
      layout.sha256Blobs,
      layout.refs,
      layout.baseLayerRecords,
      layout.gzipLayers,
      layout.gzipLayerBlobs,
      layout.gzipLayerRecords('zlib-1-level-6'),
      layout.gzipChunks,
      layout.builds,
      layout.buildsSweptMarker,
      layout.goHeadStarts,
    ];
    const outside = paths.filter((p) => !CACHE_TOP_LEVEL.includes(p.slice(root.length + 1).split('/')[0]!));
    expect(outside).toEqual([]);
    expect(layout.gzipLayerRecords('a')).not.toBe(layout.gzipLayerRecords('b'));
    expect(layout.blobStore).toBe(root);
  });

  it('defaults to $MINNOW_CACHE_DIR, else $XDG_CACHE_HOME/minnow (absolute only), else ~/.cache/minnow', () => {
    expect(minnowCacheDir({ MINNOW_CACHE_DIR: '/m', XDG_CACHE_HOME: '/x' })).toBe('/m');
    expect(minnowCacheDir({ XDG_CACHE_HOME: '/x' })).toBe(join('/x', 'minnow'));
    expect(minnowCacheDir({ XDG_CACHE_HOME: 'relative' })).toBe(join(homedir(), '.cache', 'minnow'));
    expect(cacheLayout(minnowCacheDir({ MINNOW_CACHE_DIR: '/m' })).refs).toBe('/m/refs');
  });
});
