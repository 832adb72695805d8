import { DELVE_VERSION } from '../go/delve.js';
import type { Addendum } from '../oci/index.js';
import { appLayer } from './app-layer.js';
import { layerCompressionFor, type CompressionChoice } from './compression-choice.js';
import { DELVE_IMAGE_PATH } from './debug.js';

/**
 * The layer holding dlv (0555, root-owned) at /app/dlv, reused from `blobDir` when the same dlv was layered there
 * before: dlv changes far less often than the app, so it is a layer of its own.
 */
export async function delveLayer(
  dlvPath: string,
  options: {
    blobDir: string;
    compression: CompressionChoice;
    cacheDir: string;
    created: string;
    signal?: AbortSignal;
  },
): Promise<Addendum> {
  const written = await appLayer([{ type: 'file', path: DELVE_IMAGE_PATH, source: dlvPath, mode: 0o555 }], {
    blobDir: options.blobDir,
    compression: layerCompressionFor(options.compression, 'app', options.cacheDir),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    layer: written.layer,
    history: {
      created: options.created,
      created_by: `minnow build --debug: dlv ${DELVE_VERSION}`,
      comment: 'debugger',
    },
  };
}
