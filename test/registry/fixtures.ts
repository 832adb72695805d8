import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import {
  emptyImage,
  fileLayer,
  indexOf,
  MediaType,
  mutate,
  type Digest,
  type Image,
  type ImageIndex,
} from '../../src/oci/index.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'alpine-3.19.4');

async function hashOf(path: string, gunzip: boolean): Promise<Digest> {
  const hash = createHash('sha256');
  const sink = async (src: AsyncIterable<Buffer>): Promise<void> => {
    for await (const c of src) hash.update(c);
  };
  if (gunzip) await pipeline(createReadStream(path), createGunzip(), sink);
  else await pipeline(createReadStream(path), sink);
  return `sha256:${hash.digest('hex')}` as Digest;
}

/**
 * The official alpine:3.19.4 image rebuilt offline: the minirootfs tar.gz used verbatim as its one gzip layer,
 * Cmd ["/bin/sh"], as the Dockerfile of the official image does.
 */
export async function alpineImage(arch: 'amd64' | 'arm64' = 'amd64'): Promise<Image> {
  const path = join(FIXTURES, `alpine-minirootfs-3.19.4-${arch === 'amd64' ? 'x86_64' : 'aarch64'}.tar.gz`);
  const layer = fileLayer(path, {
    digest: await hashOf(path, false),
    diffId: await hashOf(path, true),
    size: (await stat(path)).size,
    mediaType: MediaType.OciLayerGzip,
  });
  const platform =
    arch === 'arm64'
      ? { os: 'linux', architecture: 'arm64', variant: 'v8' }
      : { os: 'linux', architecture: 'amd64' };
  return mutate(emptyImage(platform), {
    layers: [
      {
        layer,
        history: { created: '2024-09-06T12:00:00Z', created_by: 'ADD alpine-minirootfs-3.19.4.tar.gz /' },
      },
    ],
    config: (c) => ({
      ...c,
      created: '2024-09-06T12:00:00Z',
      config: {
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        Cmd: ['/bin/sh'],
      },
    }),
  });
}

/** alpine:3.19 as the multi-platform index Docker Hub serves (linux/amd64 and linux/arm64/v8). */
export async function alpineIndex(): Promise<ImageIndex> {
  return indexOf([
    { image: await alpineImage('amd64'), platform: { os: 'linux', architecture: 'amd64' } },
    { image: await alpineImage('arm64'), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
  ]);
}
