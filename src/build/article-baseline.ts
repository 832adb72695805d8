import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { loadCaBundle } from '../base/ca-certs.js';
import { goBuild } from '../go/build.js';
import { goEnvironment } from '../go/platform-env.js';
import type { BuildResult } from './types.js';

/** The size of the same app built the way the seed article's scratch Dockerfile does it. */
export interface ArticleBaseline {
  /** `CGO_ENABLED=0 go build -o main .`, as the article's Dockerfiles run it: symbol table and DWARF kept. */
  binarySize: number;
  caBundleSize: number;
  /** Binary + CA bundle: roughly what `docker image ls` shows for the article's scratch image. */
  total: number;
}

/**
 * Builds the first binary of a result again as the article does, with `CGO_ENABLED=0 go build` and no other
 * flags (one more compile and link of the app; its dependencies come from the Go cache) and adds the
 * CA bundle, for the "built the article's way" line of the summary. It costs a build, so callers ask for it.
 */
export async function articleBaseline(
  result: BuildResult,
  options: {
    dir: string;
    goPath: string;
    tags?: string[];
    caCerts?: string;
    signal?: AbortSignal;
  },
): Promise<ArticleBaseline> {
  const built = result.images[0];
  const binary = built?.binaries[0];
  if (!built || !binary) throw new Error('articleBaseline: the build has no binary');
  const output = join(dirname(binary.path), `${binary.name}.article`);
  try {
    const out = await goBuild({
      go: options.goPath,
      dir: options.dir,
      env: goEnvironment({ platform: built.platform }),
      pkg: binary.importPath,
      output,
      articleStyle: true,
      ...(options.tags?.length ? { tags: options.tags } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const ca = await loadCaBundle(options.caCerts);
    return { binarySize: out.size, caBundleSize: ca.data.length, total: out.size + ca.data.length };
  } finally {
    await rm(output, { force: true });
  }
}
