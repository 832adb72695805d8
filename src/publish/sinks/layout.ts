import { join } from 'node:path';
import type { ImageOrIndex } from '../../oci/index.js';
import { isValidTag, splitNameTag } from '../image-name.js';
import { OUTPUT_DIR } from '../output-dir.js';
import { checkPath, isLayoutOrEmpty } from './path-checks.js';
import type { Sink, SinkOptions, SinkResult, SinkWriteOptions } from './sink.js';
import type { SpecContext } from './spec.js';

export interface LayoutSinkOptions {
  /** The layout directory. */
  dir: string;
  /** Tag recorded as `org.opencontainers.image.ref.name`; an entry with the same tag is replaced. Default `latest`. */
  tag?: string;
  /** Replace a path that exists and is not an OCI layout. Default false. */
  force?: boolean;
}

/**
 * An OCI image layout: takes an index as it is (every platform). A layout that exists gets the new blobs and
 * its index.json entry replaced; blobs nothing reaches any more are removed afterwards (`gcLayout`).
 */
export function layoutSink(options: LayoutSinkOptions): Sink {
  const tag = options.tag ?? 'latest';
  const force = options.force ?? false;
  const reference = `oci:${options.dir}:${tag}`;
  return {
    kind: 'oci',
    description: reference,
    takesIndex: true,
    check: () =>
      checkPath(
        options.dir,
        `oci:${options.dir}`,
        { noun: 'an OCI layout', sameKind: isLayoutOrEmpty },
        force,
      ),
    async write(target: ImageOrIndex, write: SinkWriteOptions = {}): Promise<SinkResult> {
      // The writers (the image model, tar) load when something is written, not when the CLI starts.
      const [{ writeLayout }, { gcLayout }, { pruneDetached }] = await Promise.all([
        import('../layout.js'),
        import('../layout-gc.js'),
        import('../layout-prune.js'),
      ]);
      const written = await writeLayout(options.dir, target, {
        tag,
        force,
        ...(write.signal ? { signal: write.signal } : {}),
      });
      // The image this one replaced under the tag takes its signatures and statements with it (a signed build
      // earlier, an unsigned one now), unless another tag still holds it.
      if (written.replaced) await pruneDetached(options.dir, written.replaced);
      // Nothing written, nothing to collect.
      if (!written.unchanged) await gcLayout(options.dir);
      return { kind: 'oci', reference, digest: written.digest, path: options.dir };
    },
  };
}

/** `oci:DIR[:TAG]`: a last `:part` without a slash is the tag. */
export function parseLayoutSpec(spec: string, ctx: SpecContext, options: SinkOptions): Sink {
  const rest = spec.slice('oci:'.length);
  const { name: dir, tag } = splitNameTag(rest);
  if (tag !== undefined && !isValidTag(tag)) throw ctx.invalid(`"${tag}" is not a valid tag`);
  if (!dir) throw ctx.invalid('name a directory, e.g. oci:out/app');
  return layoutSink({ dir, ...(tag !== undefined ? { tag } : {}), force: options.force ?? false });
}

/** The default destination of a build: an OCI layout `.minnow/<name>` under `cwd`, tagged `latest` or `tag`. */
export function defaultLayoutSink(name: string, cwd = process.cwd(), force = false, tag = 'latest'): Sink {
  const dir = cwd === process.cwd() ? join(OUTPUT_DIR, name) : join(cwd, OUTPUT_DIR, name);
  return layoutSink({ dir, tag, force });
}
