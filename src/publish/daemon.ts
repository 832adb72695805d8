import type { EngineClient } from '../engine/client.js';
import type { Digest, Image } from '../oci/index.js';
import { tarballStream } from './tarball.js';

export interface DaemonWriteOptions {
  /** `name:tag` references to give the image. */
  tags?: string[];
  signal?: AbortSignal;
}

export interface DaemonWriteResult {
  /** What the Engine reported loading. */
  loaded: string[];
  /** The manifest digest minnow built. */
  digest: Digest;
  /** The Engine's image ID (the config digest). */
  imageId: Digest;
}

/**
 * Loads an image into a running Docker Engine through its HTTP API (`POST /images/load`), streaming the tarball
 * as it is produced: nothing is written to disk and nothing is held in memory. The Engine only applies a
 * complete, valid load, so a failure leaves no half-loaded image.
 */
export async function writeDaemon(
  client: EngineClient,
  image: Image,
  options: DaemonWriteOptions = {},
): Promise<DaemonWriteResult> {
  const { stream: body, digest } = await tarballStream(image, options.tags ?? []);
  const onAbort = (): void => {
    body.destroy(new Error('aborted'));
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const loaded = await client.loadImage(body);
    const manifest = await image.manifest();
    return { loaded, digest, imageId: manifest.config.digest };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
