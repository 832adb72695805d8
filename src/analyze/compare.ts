import { build } from '../build/build.js';
import type { BuildOptions } from '../build/types.js';
import { MinnowError, messageOf } from '../errors.js';
import { analyzeImage } from './analyze.js';
import type { ImageAnalysis, Severity } from './types.js';

/** A base to compare: what to call it, and the base specs to try in order (the first that builds wins). */
export interface CompareBase {
  label: string;
  specs: string[];
}

/** The seed article's `docker image ls` sizes (decimal MB as Docker prints them). */
export const ARTICLE_SIZES: Record<string, number> = {
  alpine: 14.5e6,
  distroless: 9.49e6,
  scratch: 6.67e6,
};

/** The article's number for a base, by what its label or spec names. */
export function articleSize(base: CompareBase): number | undefined {
  const name = `${base.label} ${base.specs.join(' ')}`.toLowerCase();
  if (name.includes('alpine')) return ARTICLE_SIZES.alpine;
  if (name.includes('distroless')) return ARTICLE_SIZES.distroless;
  if (/\bscratch\b/.test(name)) return ARTICLE_SIZES.scratch;
  return undefined;
}

/**
 * The default comparison: the article's three bases and minnow's default. Registry bases are tried from the
 * registry (or minnow's cache) first, then from the local Docker Engine.
 */
export function defaultCompareBases(): CompareBase[] {
  return [
    { label: 'alpine:3.19', specs: ['alpine:3.19', 'daemon:alpine:3.19'] },
    {
      label: 'distroless/static-debian12',
      specs: ['gcr.io/distroless/static-debian12', 'daemon:gcr.io/distroless/static-debian12:latest'],
    },
    { label: 'scratch', specs: ['scratch'] },
    { label: 'static (minnow default)', specs: ['static'] },
  ];
}

/** Parses `--base LABEL=SPEC` (or just SPEC, labelled by itself). */
export function parseCompareBase(value: string): CompareBase {
  const eq = value.indexOf('=');
  if (eq > 0) {
    return { label: value.slice(0, eq), specs: [value.slice(eq + 1)] };
  }
  if (value.trim() === '') throw new MinnowError('INVALID_ARGUMENT', '--base needs a base spec');
  return { label: value, specs: [value] };
}

export interface CompareRow {
  base: string;
  /** The spec that was built on. */
  spec: string;
  size: number;
  compressed: number;
  /** Part of `compressed` is a gzip estimate (layers stored uncompressed, as the Engine keeps them). */
  compressedEstimated?: boolean;
  layers: number;
  files: number;
  executables: number;
  shell: boolean;
  packageManager: boolean;
  packages: number;
  root: boolean;
  setuid: number;
  findings: Record<Severity, number>;
  /** The article's size for this base, when the article measured it. */
  articleSize?: number;
  recommendation: string;
  analysis: ImageAnalysis;
}

export interface CompareResult {
  app: string;
  rows: CompareRow[];
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

/** What is missing or risky in an image, as short phrases. */
function concerns(a: ImageAnalysis): string[] {
  const out: string[] = [];
  if (a.config.runsAsRoot) out.push('runs as root');
  if (a.summary.hasShell) out.push('ships a shell');
  if (a.summary.hasPackageManager) out.push('ships a package manager');
  if (a.packages.length > 0) out.push(`${a.packages.length} OS packages to patch`);
  if (a.files.setuid > 0) out.push(`${a.files.setuid} setuid files`);
  if (!a.runtime.caBundle) out.push('no CA bundle (outbound TLS fails)');
  if (a.users.length === 0) out.push('no /etc/passwd');
  return out;
}

/** One comparison row for an analyzed image built on `base` (also used for Dockerfile-built images). */
export function rowOf(base: CompareBase, spec: string, a: ImageAnalysis): CompareRow {
  const c = concerns(a);
  const article = articleSize(base);
  return {
    base: base.label,
    spec,
    size: a.size.content,
    compressed: a.size.compressed,
    ...(a.size.compressedEstimated ? { compressedEstimated: true } : {}),
    layers: a.layers.length,
    files: a.files.count,
    executables: a.files.executables,
    shell: a.summary.hasShell,
    packageManager: a.summary.hasPackageManager,
    packages: a.packages.length,
    root: a.config.runsAsRoot,
    setuid: a.files.setuid,
    findings: a.summary.findings,
    ...(article !== undefined ? { articleSize: article } : {}),
    recommendation:
      c.length === 0 ? 'good: nothing beyond the app, its CA bundle and users' : `avoid: ${c.join(', ')}`,
    analysis: a,
  };
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
  return { app, rows, skipped, recommendation };
}
