import { join } from 'node:path';
import {
  emptyImage,
  hostPlatform,
  mutate,
  writeLayer,
  type Image,
  type LayerEntry,
} from '../../src/oci/index.js';

/** A small deterministic image with the given files, for reader and writer tests. */
export async function testImage(
  dir: string,
  entries: LayerEntry[],
  config?: { user?: string; cmd?: string[] },
): Promise<Image> {
  const written = await writeLayer(entries, { blobDir: join(dir, 'test-blobs'), mtime: 0 });
  return mutate(emptyImage(hostPlatform()), {
    layers: [
      { layer: written.layer, history: { created: '1970-01-01T00:00:00Z', created_by: 'minnow test' } },
    ],
    config: (c) => ({
      ...c,
      created: '1970-01-01T00:00:00Z',
      config: { ...(config?.user ? { User: config.user } : {}), ...(config?.cmd ? { Cmd: config.cmd } : {}) },
    }),
  });
}
