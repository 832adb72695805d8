import { MinnowError } from '../errors.js';
import type { ImageOrIndex } from '../oci/index.js';
import { splitNameTag } from '../publish/image-name.js';
import { daemonSink } from '../publish/sinks/daemon.js';
import { hostPlatformOnly } from '../publish/sinks/host-platform.js';
import { createSink, type CreateSinkOptions } from '../publish/sinks/kinds.js';
import { layoutSink } from '../publish/sinks/layout.js';
import type { Sink, SinkWriteOptions } from '../publish/sinks/sink.js';

/** Makes each image's sink from its name (`REPO/NAME:TAG`) and extra tags, as `packagePublisher`'s `sinkFor`. */
export type SinkForImage = (ref: string, tags: readonly string[]) => Sink;

/** Runs writes to one place one after another: a layout's index.json is read, changed and replaced. */
function serialized(sink: Sink, queue: { last: Promise<unknown> }): Sink {
  return {
    ...sink,
    write(target: ImageOrIndex, options?: SinkWriteOptions) {
      const run = queue.last.then(() => sink.write(target, options));
      queue.last = run.catch(() => undefined);
      return run;
    },
  };
}

/**
 * Sinks for many images from one spec, for `minnow resolve --output`: `daemon` loads each image into the Engine
 * as `REPO/NAME:TAG` (the host's platform), `containerd[:NS]` imports it into containerd under that name, `oci:DIR` writes every image into one layout tagged NAME (the last
 * path element). Anything else (a docker tarball holds one image; a name in the spec would name them all) is
 * INVALID_ARGUMENT.
 */
export function sinksForImages(spec: string, options: CreateSinkOptions = {}): SinkForImage {
  const flag = options.flag ?? 'sink';
  const kind = createSink(spec, options).kind;
  if (spec === 'daemon') {
    return () => hostPlatformOnly(daemonSink(options.engine ? { engine: options.engine } : {}));
  }
  // containerd names each image as it is written (REPO/NAME:TAG), so one spec serves them all.
  if (kind === 'containerd') return () => createSink(spec, options);
  if (kind === 'oci' && !splitNameTag(spec.slice('oci:'.length)).tag) {
    const dir = spec.slice('oci:'.length);
    const queue = { last: Promise.resolve() as Promise<unknown> };
    return (ref) => {
      const name = splitNameTag(ref).name;
      const tag = name.slice(name.lastIndexOf('/') + 1);
      return serialized(layoutSink({ dir, tag, force: options.force ?? false }), queue);
    };
  }
  throw new MinnowError('INVALID_ARGUMENT', `invalid ${flag} "${spec}": each image needs its own name here`, {
    subject: spec,
    hint: 'use daemon, containerd[:NAMESPACE] or oci:DIR (without a tag), or leave it out to push to --repo',
  });
}
