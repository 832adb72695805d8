import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MinnowError } from '../errors.js';
import type { ImageOrIndex } from '../oci/index.js';
import { cloneSource, type ClonedSource } from './clone-source.js';
import { compareImages, describeDifference, type ImageDifference } from './compare-images.js';

/**
 * The part of build() options this check needs: where the module is, the Go environment, and the paths of
 * extra content, which are moved into each copy when they lie inside the copied tree.
 */
export interface ReproducibleBuildOptions {
  dir?: string;
  goEnv?: Record<string, string>;
  data?: string;
  files?: { src: string; dst: string; mode?: string | number }[];
  signal?: AbortSignal;
}

/** `options` with its paths moved into a copy. */
function inCopy<O extends ReproducibleBuildOptions>(options: O, copy: ClonedSource): O {
  return {
    ...options,
    dir: copy.dir,
    ...(options.data ? { data: copy.map(options.data) } : {}),
    ...(options.files ? { files: options.files.map((f) => ({ ...f, src: copy.map(f.src) })) } : {}),
  };
}

/** The part of a build result this check needs. */
export interface ReproducibleBuildResult {
  target: ImageOrIndex;
  digest: string;
}

export interface VerifyReproducibleOptions<
  O extends ReproducibleBuildOptions,
  R extends ReproducibleBuildResult,
> {
  /** The build to run twice (minnow's `build`). */
  build: (options: O) => Promise<R>;
  /** Its options; `dir` (default cwd) is the module that is copied. */
  options: O;
  /** Give the second build an empty GOCACHE so the compiler really runs twice. Default false. */
  freshGoCache?: boolean;
  /** Where the copies go. Default the system temp directory. */
  tmpDir?: string;
}

export interface VerifyReproducibleResult<R> {
  /** The first build (equal in digest to the second), ready to hand to a sink. */
  result: R;
  digest: string;
}

/**
 * Builds the module twice from two copies at different paths (git clones at the same commit, with the same
 * uncommitted changes) and throws NOT_REPRODUCIBLE when the digests differ, with the first difference (platform,
 * layer, file and what about it) in the message and `details.difference`. The copies are removed afterwards.
 */
export async function verifyReproducible<
  O extends ReproducibleBuildOptions,
  R extends ReproducibleBuildResult,
>(options: VerifyReproducibleOptions<O, R>): Promise<VerifyReproducibleResult<R>> {
  const src = resolve(options.options.dir ?? process.cwd());
  const root = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'minnow-repro-'));
  try {
    // Different lengths and names on purpose: a leaked path changes the bytes, not only their content.
    const copyA = await cloneSource(src, join(root, 'a', 'src'));
    const copyB = await cloneSource(src, join(root, 'second-copy', 'elsewhere', 'src'));
    const first = await options.build(inCopy(options.options, copyA));
    const goEnv = options.freshGoCache
      ? { ...options.options.goEnv, GOCACHE: join(root, 'gocache') }
      : options.options.goEnv;
    const second = await options.build({ ...inCopy(options.options, copyB), ...(goEnv ? { goEnv } : {}) });
    if (first.digest !== second.digest) {
      const difference: ImageDifference = (await compareImages(first.target, second.target)) ?? {
        part: 'manifest',
        detail: `${first.digest} vs ${second.digest}`,
      };
      throw new MinnowError('NOT_REPRODUCIBLE', `builds differ: ${describeDifference(difference)}`, {
        subject: src,
        hint: 'see docs/reproducible.md for what must be pinned',
        details: { difference, digests: [first.digest, second.digest] },
      });
    }
    return { result: first, digest: first.digest };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
