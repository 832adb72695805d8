import { indexOf, type Image, type ImageIndex } from '../../src/oci/index.js';
import { alpineBase } from '../helpers/fixture-images.js';

/** The official alpine:3.19.4 image, rebuilt offline from the minirootfs (see test/helpers/fixture-images.ts). */
export function alpineImage(arch: 'amd64' | 'arm64' = 'amd64'): Promise<Image> {
  return alpineBase(arch);
}

/** alpine:3.19 as the multi-platform index Docker Hub serves (linux/amd64 and linux/arm64/v8). */
export async function alpineIndex(): Promise<ImageIndex> {
  return indexOf([
    { image: await alpineImage('amd64'), platform: { os: 'linux', architecture: 'amd64' } },
    { image: await alpineImage('arm64'), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
  ]);
}
