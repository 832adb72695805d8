import { MinnowError } from '../../errors.js';
import type { Image, ImageOrIndex } from '../../oci/index.js';
import { imageNameProblem } from '../image-name.js';
import type { ImageName, SinkWriteOptions } from './sink.js';

/** The image of a target given to a sink that takes one image; an index is refused (see `hostPlatformOnly`). */
export function oneImage(target: ImageOrIndex, description: string): Image {
  if (target.kind === 'image') return target.image;
  throw new MinnowError('INVALID_ARGUMENT', `${description} takes one image, not an index`, {
    subject: description,
    hint: 'wrap the sink in hostPlatformOnly(), or give it one image',
  });
}

/** The `NAME:TAG` a sink records: the spec's own, else the writer's default, else `minnow:latest`; checked. */
export function recordedName(own: Partial<ImageName>, write: SinkWriteOptions): string {
  const name = own.name ?? write.name?.name ?? 'minnow';
  const tag = own.tag ?? write.name?.tag ?? 'latest';
  const problem = imageNameProblem(name, tag);
  if (problem) {
    throw new MinnowError('INVALID_ARGUMENT', `invalid image name "${name}:${tag}": ${problem}`, {
      subject: `${name}:${tag}`,
      hint: 'name the image NAME[:TAG], lowercase',
    });
  }
  return `${name}:${tag}`;
}
