import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffImages, type DiffImagesOptions, type ImagesDiff } from '../analyze/diff.js';
import { build } from '../build/build.js';
import { checkoutRevision } from '../build/revision-checkout.js';
import type { BuildOptions } from '../build/types.js';
import { MinnowError } from '../errors.js';
import type { Image } from '../oci/index.js';

export interface DiffRevisionsOptions {
  /** A directory inside the git work tree; its counterpart in each checkout is where the build runs. Default cwd. */
  dir?: string;
  /** Package patterns relative to `dir`, as `build` takes them. Default `['.']`. */
  packages?: string[];
  /** The two revisions, before and after (`main`, `HEAD`). */
  revisions: [string, string];
  /**
   * Build options for a checkout (its minnow.yaml, say), given the counterpart of `dir` in it; the flags in
   * `build` are laid over them. Default: none.
   */
  configured?: (dir: string) => Promise<BuildOptions>;
  /** The same flags for both builds (dir, packages and signal are set here). */
  build?: Omit<BuildOptions, 'dir' | 'packages' | 'signal'>;
  /** Analysis options of the diff. */
  diff?: Omit<DiffImagesOptions, 'references' | 'signal'>;
  /** Where the checkouts go (removed afterwards). Default the system temp directory. */
  tmpDir?: string;
  onProgress?: (message: string) => void;
  signal?: AbortSignal;
}

/** A diff of the builds of two revisions, and the commits they were. */
export interface RevisionsDiff extends ImagesDiff {
  commits: [string, string];
}

/**
 * Builds the package at two git revisions of its repository, each in its own checkout with the same flags, and
 * diffs the two images (`minnow diff --rev main --rev HEAD ./cmd/app`). The checkouts are removed afterwards,
 * whatever happens.
 */
export async function diffRevisions(options: DiffRevisionsOptions): Promise<RevisionsDiff> {
  const root = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'minnow-diff-rev-'));
  try {
    const images: Image[] = [];
    const commits: string[] = [];
    for (const [i, revision] of options.revisions.entries()) {
      options.onProgress?.(`checking out ${revision}`);
      const checkout = await checkoutRevision(options.dir ?? process.cwd(), revision, join(root, `rev-${i}`));
      commits.push(checkout.commit);
      options.onProgress?.(`building ${revision} (${checkout.commit.slice(0, 12)})`);
      const configured = (await options.configured?.(checkout.dir)) ?? {};
      const result = await build({
        ...configured,
        ...options.build,
        dir: configured.dir ?? checkout.dir,
        packages: options.packages ?? ['.'],
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const built = result.images[0];
      if (!built) throw new MinnowError('INTERNAL', `the build of ${revision} returned no image`);
      images.push(built.image);
    }
    options.onProgress?.('comparing the two builds');
    const [a, b] = options.revisions;
    const d = await diffImages(images[0]!, images[1]!, {
      ...options.diff,
      references: [`${a} (${commits[0]!.slice(0, 12)})`, `${b} (${commits[1]!.slice(0, 12)})`],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { ...d, commits: [commits[0]!, commits[1]!] };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
