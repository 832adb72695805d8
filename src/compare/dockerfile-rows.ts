import { randomBytes } from 'node:crypto';
import { analyzeImage } from '../analyze/analyze.js';
import type { CompareResult } from './compare-bases.js';
import { rowOf, type CompareRow } from './rows.js';
import { openImage } from '../analyze/open.js';
import { EngineClient } from '../engine/client.js';
import { MinnowError, messageOf } from '../errors.js';
import { buildGeneratedImage } from '../dockerfile/docker-build.js';

/** The bases the Dockerfile rows use by default: the article's three, and minnow's static. */
export const DEFAULT_DOCKERFILE_BASES: readonly string[] = ['alpine:3.19', 'distroless', 'scratch', 'static'];

/** What `dockerfileCompareRows` is given. */
export interface DockerfileRowsOptions {
  /** Module directory. Default: the current directory. */
  dir?: string;
  /** The main package. Default `.`. */
  package?: string;
  /** `minnow dockerfile --base` values. Default `DEFAULT_DOCKERFILE_BASES`. */
  bases?: readonly string[];
  /** Keep the built images in the Engine (tagged `minnow-compare/<base>:<random>`). Default false. */
  keepImages?: boolean;
  onProgress?: (message: string) => void;
  signal?: AbortSignal;
}

/**
 * Builds the app with the Dockerfile `minnow dockerfile` writes (legacy-builder variant, through the Engine) on each
 * base, analyzes every image the same way `compare` analyzes minnow's builds, and returns rows labelled
 * `Dockerfile: <base>`. A base whose build fails (an image the Engine cannot pull offline) is skipped with why.
 */
export async function dockerfileCompareRows(
  options: DockerfileRowsOptions = {},
): Promise<{ rows: CompareRow[]; skipped: CompareResult['skipped'] }> {
  const rows: CompareRow[] = [];
  const skipped: CompareResult['skipped'] = [];
  const engine = new EngineClient();
  try {
    for (const base of options.bases ?? DEFAULT_DOCKERFILE_BASES) {
      const label = `Dockerfile: ${base}`;
      const tag = `minnow-compare/${base.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}:${randomBytes(4).toString('hex')}`;
      options.onProgress?.(`docker build on ${base}`);
      try {
        await buildGeneratedImage({
          tag,
          base,
          ...(options.dir ? { dir: options.dir } : {}),
          ...(options.package ? { package: options.package } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (err) {
        if (err instanceof MinnowError && ['NOT_A_MODULE', 'NO_MAIN_PACKAGE', 'ABORTED'].includes(err.code))
          throw err;
        skipped.push({ base: label, reason: messageOf(err) });
        continue;
      }
      try {
        options.onProgress?.(`analyzing ${label}`);
        const image = await openImage(`daemon:${tag}`, options.signal ? { signal: options.signal } : {});
        const analysis = await analyzeImage(image, { reference: label, estimateCompressed: true });
        rows.push(rowOf({ label, specs: [`dockerfile:${base}`] }, `dockerfile:${base}`, analysis));
      } finally {
        if (!options.keepImages) await engine.removeImage(tag, { force: true }).catch(() => undefined);
      }
    }
  } finally {
    await engine.close();
  }
  return { rows, skipped };
}
