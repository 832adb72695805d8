import { analyzeImage } from '../analyze/analyze.js';
import { build } from '../build/build.js';
import type { BuildOptions } from '../build/types.js';
import { MinnowError, messageOf } from '../errors.js';
import { defaultCompareBases, type CompareBase } from './bases.js';
import { rowOf, type CompareRow } from './rows.js';
import type { BuildResult } from '../build/types.js';

export interface CompareResult {
  app: string;
  rows: CompareRow[];
  /**
   * The baseline: this app's binary built as a typical multi-stage Dockerfile builds it (the seed article's
   * `CGO_ENABLED=0 go build -o main .`), against minnow's stripped one. Absent when it could not be built.
   */
  typical?: { binarySize: number; minnowBinarySize: number };
  /** Bases that could not be had (not cached, no registry, not in the Engine), with why. */
  skipped: { base: string; reason: string }[];
  /** Which row minnow recommends, and why, in one line. */
  recommendation: string;
}

export interface CompareOptions {
  dir?: string;
  packages?: string[];
  bases?: CompareBase[];
  /** Extra build options applied to every build (ldflags, tags, user…). */
  build?: Omit<BuildOptions, 'dir' | 'packages' | 'base' | 'signal' | 'onProgress'>;
  onProgress?: (message: string) => void;
  signal?: AbortSignal;
}

/**
 * Builds the app on each base with `build()`, analyzes every result and returns the article's comparison table,
 * extended. A base that cannot be had (offline, not cached, not in the Engine) is skipped with the reason.
 */
export async function compareBases(options: CompareOptions = {}): Promise<CompareResult> {
  const bases = options.bases ?? defaultCompareBases();
  const rows: CompareRow[] = [];
  const skipped: CompareResult['skipped'] = [];
  let app = '';
  let first: BuildResult | undefined;
  for (const base of bases) {
    let lastError: unknown;
    let done = false;
    for (const spec of base.specs) {
      options.onProgress?.(`building on ${base.label} (${spec})`);
      try {
        const result = await build({
          ...options.build,
          ...(options.dir ? { dir: options.dir } : {}),
          ...(options.packages ? { packages: options.packages } : {}),
          base: spec,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        app = result.module;
        first ??= result;
        const built = result.images[0];
        if (!built) throw new MinnowError('INTERNAL', 'build returned no image');
        options.onProgress?.(`analyzing ${base.label}`);
        // Bases from the Engine keep their layers uncompressed: estimate what a push would send.
        const a = await analyzeImage(built.image, {
          reference: `${result.module} on ${base.label}`,
          estimateCompressed: true,
        });
        rows.push(rowOf(base, spec, a));
        done = true;
        break;
      } catch (err) {
        // A build failure of the app itself is not the base's fault: stop.
        if (
          err instanceof MinnowError &&
          ['GO_BUILD_FAILED', 'NO_MAIN_PACKAGE', 'NOT_A_MODULE', 'GO_NOT_FOUND', 'ABORTED'].includes(err.code)
        ) {
          throw err;
        }
        lastError = err;
      }
    }
    if (!done) skipped.push({ base: base.label, reason: messageOf(lastError) });
  }
  if (rows.length === 0) {
    throw new MinnowError('NOT_FOUND', 'no base could be built on', {
      hint: skipped.map((s) => `${s.base}: ${s.reason}`).join('; '),
    });
  }
  const good = rows.filter((r) => r.recommendation.startsWith('good')).sort((a, b) => a.size - b.size);
  const smallest = [...rows].sort((a, b) => a.size - b.size)[0] as CompareRow;
  const pick = good[0];
  const recommendation = pick
    ? `use ${pick.base}: ${pick.recommendation.slice('good: '.length)}, ${Math.round(pick.size / 1e4) / 100} MB` +
      (pick !== smallest
        ? ` (${smallest.base} is smaller but: ${smallest.recommendation.replace(/^avoid: /, '')})`
        : '')
    : `no base is clean; ${smallest.base} is the smallest`;
  const typical = first ? await typicalBinary(first, options) : undefined;
  if (typical) {
    for (const r of rows) {
      if (r.articleSize !== undefined) r.typicalSize = r.size - typical.minnowBinarySize + typical.binarySize;
    }
  }
  return { app, rows, skipped, recommendation, ...(typical ? { typical } : {}) };
}

/** One more link of the app the article's way (its packages come from the Go cache), for the baseline column. */
async function typicalBinary(
  result: BuildResult,
  options: CompareOptions,
): Promise<CompareResult['typical'] | undefined> {
  const minnowBinarySize = result.images[0]?.binaries[0]?.size;
  if (minnowBinarySize === undefined) return undefined;
  options.onProgress?.('building the app the typical-Dockerfile way (go build without -s -w)');
  const [{ articleBaseline }, { findGo }] = await Promise.all([
    import('../build/article-baseline.js'),
    import('../go/find-go.js'),
  ]);
  const goPath = options.build?.goPath;
  const tags = options.build?.tags;
  const article = await articleBaseline(result, {
    dir: options.dir ?? process.cwd(),
    goPath: await findGo(goPath ? { goPath } : {}),
    ...(tags ? { tags } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { binarySize: article.binarySize, minnowBinarySize };
}
