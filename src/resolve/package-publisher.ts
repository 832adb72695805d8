import { resolve } from 'node:path';
import type { BuildOptions, BuildResult } from '../build/types.js';
import { configuredBuild, mergeBuildOptions } from '../config/build-options.js';
import { readGitInfo } from '../config/git-info.js';
import { findModuleRoot } from '../config/module-path.js';
import { templateValues, type TemplateValues } from '../config/template.js';
import { MinnowError } from '../errors.js';
import type { ImageOrIndex } from '../oci/index.js';
import type { Sink } from '../publish/sinks/sink.js';
import { splitNameTag } from '../publish/image-name.js';
import { imageRepository, nameAll, type NamingStrategy } from './image-name.js';
import type { Publisher } from './resolve-manifests.js';

/** What the publisher reports as it goes, for a CLI's progress line and for counting in benchmarks. */
export type PublishEvent =
  | { phase: 'build'; importPath: string }
  | { phase: 'push'; importPath: string; ref: string }
  | { phase: 'done'; importPath: string; image: string };

/** Pushes a built target to `ref` (`REPO/NAME:TAG`); minnow's `pushImage` fits. */
export type PushFn = (
  ref: string,
  target: ImageOrIndex,
  options: { tags?: string[]; signal?: AbortSignal },
) => Promise<{ digest: string }>;

export interface PackagePublisherOptions {
  /** The Go module (root or a directory inside it). Default cwd. */
  dir?: string;
  /** Where images go: `registry[:port]/namespace`. */
  repo: string;
  /** How packages become repository names. Default `base` (REPO/<last path element>). */
  naming?: NamingStrategy;
  /** Tags pushed for each image. Default `['latest']`. The output pins the digest unless `tagOnly`. */
  tags?: string[];
  /**
   * Answer `REPO/NAME:TAG` (the first tag) instead of `REPO/NAME@sha256:…`, as ko's `--tag-only` does for
   * registries that rewrite digests when they mirror images. Default false.
   */
  tagOnly?: boolean;
  /** Build options from flags, over each package's minnow.yaml settings (platforms, base, ...). */
  overrides?: BuildOptions;
  /** Build every platform of each package's base (`--platform all`), whatever minnow.yaml says. */
  allPlatforms?: boolean;
  build: (options: BuildOptions) => Promise<BuildResult>;
  /** Pushes each image to the registry (`REPO/NAME:TAG`). Needed unless `sinkFor` is given. */
  push?: PushFn;
  /**
   * Where each image goes instead of `push` (ko's `--local`: the Engine, an OCI layout): the sink for the image
   * named `ref` (`REPO/NAME:TAG`) with these extra tags. The output still pins `REPO/NAME@sha256:…`.
   */
  sinkFor?: (ref: string, tags: readonly string[]) => Sink;
  onEvent?: (event: PublishEvent) => void;
}

/**
 * The real publisher behind `minnow resolve`: for each package, minnow.yaml's settings for it (defaults plus its
 * `builds` entry, flags on top), one build (all its platforms), one push to REPO/NAME with the tags, and the
 * answer `REPO/NAME@sha256:…` (`REPO/NAME:TAG` with `tagOnly`).
 */
export function packagePublisher(options: PackagePublisherOptions): Publisher {
  const deliver = deliveryOf(options);
  const naming = options.naming ?? 'base';
  const tags = options.tags?.length ? options.tags : ['latest'];
  let names = new Map<string, string>();
  let values: Promise<TemplateValues> | undefined;
  const moduleDir = (async () =>
    (await findModuleRoot(resolve(options.dir ?? process.cwd()))) ?? resolve(options.dir ?? process.cwd()))();
  const publish = async (importPath: string, signal?: AbortSignal): Promise<string> => {
    const dir = await moduleDir;
    values ??= readGitInfo(dir).then((g) => templateValues(g));
    const configured = await configuredBuild(dir, [importPath], await values);
    const buildOptions = mergeBuildOptions(configured.options, {
      ...options.overrides,
      // A `dir:` build lives in another module of the repository.
      dir: configured.options.dir ?? dir,
      packages: [importPath],
      ...(signal ? { signal } : {}),
    });
    const wantAll = options.allPlatforms || (configured.allPlatforms && !options.overrides?.platforms);
    if (wantAll) {
      const { allPlatforms } = await import('../build/all-platforms.js');
      buildOptions.platforms = await allPlatforms(buildOptions.base ?? 'static', {
        ...(buildOptions.cacheDir ? { cacheDir: buildOptions.cacheDir } : {}),
        ...(buildOptions.registry ? { registry: buildOptions.registry } : {}),
        ...(signal ? { signal } : {}),
      });
    }
    options.onEvent?.({ phase: 'build', importPath });
    const result = await options.build(buildOptions);
    const name = names.get(importPath) ?? imageRepository(options.repo, importPath, naming);
    const ref = `${name}:${tags[0]}`;
    options.onEvent?.({ phase: 'push', importPath, ref });
    const pushed = await deliver(ref, result.target, {
      tags: tags.slice(1),
      ...(signal ? { signal } : {}),
    });
    // A sink that took the host's image of an index (the Engine) wrote that image, not the index.
    if (pushed.digest !== result.digest && !pushed.partOnly) {
      throw new MinnowError('DIGEST_MISMATCH', `pushed ${ref} as ${pushed.digest}, built ${result.digest}`, {
        subject: ref,
      });
    }
    const image = options.tagOnly ? ref : `${name}@${pushed.digest}`;
    options.onEvent?.({ phase: 'done', importPath, image });
    return image;
  };
  return Object.assign(publish, {
    plan: (importPaths: readonly string[]) => {
      names = nameAll(options.repo, importPaths, naming);
    },
  });
}

/** Delivers one built target; `partOnly` when the sink took one image of an index. */
type Deliver = (...args: Parameters<PushFn>) => Promise<{ digest: string; partOnly?: boolean }>;

/** `options.push`, or a push-shaped call of the sink `options.sinkFor` names for each image. */
function deliveryOf(options: PackagePublisherOptions): Deliver {
  const { push, sinkFor } = options;
  if (sinkFor) {
    return async (ref, target, o) => {
      const { name, tag = 'latest' } = splitNameTag(ref);
      const written = await sinkFor(ref, o.tags ?? []).write(target, {
        name: { name, tag },
        ...(o.signal ? { signal: o.signal } : {}),
      });
      return { digest: written.digest, partOnly: written.platform !== undefined && !!written.note };
    };
  }
  if (!push) throw new MinnowError('INVALID_ARGUMENT', 'packagePublisher needs push or sinkFor');
  return push;
}
