import { lstat } from 'node:fs/promises';
import { MinnowError } from '../../errors.js';
import type { ImageOrIndex } from '../../oci/index.js';
import { oneImage, recordedName } from './one-image.js';
import { checkPath, isTarFile } from './path-checks.js';
import type { Sink, SinkOptions, SinkResult, SinkWriteOptions } from './sink.js';
import type { SpecContext } from './spec.js';

export interface TarballSinkOptions {
  /** The tarball to write. */
  file: string;
  /** Replace a file that exists and is not a tarball. Default false (a tarball is always replaced). */
  force?: boolean;
}

/**
 * A `docker load` tarball (also an OCI layout, as `docker save` writes since Docker 25). It takes one image:
 * wrap it in `hostPlatformOnly` to give it an index. The image is recorded as the write's `name`.
 */
export function tarballSink(options: TarballSinkOptions): Sink {
  const { file } = options;
  const reference = `docker:${file}`;
  return {
    kind: 'docker',
    description: reference,
    takesIndex: false,
    async check() {
      if ((await lstat(file).catch(() => undefined))?.isDirectory()) {
        throw new MinnowError('OUTPUT_EXISTS', `${file} is a directory, not a tarball`, { subject: file });
      }
      const sameKind = async (p: string): Promise<boolean> =>
        !!(await lstat(p).catch(() => undefined))?.isFile() && (await isTarFile(p));
      await checkPath(file, reference, { noun: 'a tarball', sameKind }, options.force ?? false);
    },
    async write(target: ImageOrIndex, write: SinkWriteOptions = {}): Promise<SinkResult> {
      const image = oneImage(target, reference);
      const name = recordedName({}, write);
      const force = (options.force ?? false) || (await isTarFile(file));
      const { writeTarball } = await import('../tarball.js');
      const written = await writeTarball(file, image, {
        tags: [name],
        force,
        ...(write.signal ? { signal: write.signal } : {}),
      });
      return { kind: 'docker', reference, digest: written.digest };
    },
  };
}

/** `docker:FILE.tar`. */
export function parseTarballSpec(spec: string, ctx: SpecContext, options: SinkOptions): Sink {
  const file = spec.slice('docker:'.length);
  if (!file || file.endsWith('/')) throw ctx.invalid('name a file, e.g. docker:app.tar');
  return tarballSink({ file, force: options.force ?? false });
}
