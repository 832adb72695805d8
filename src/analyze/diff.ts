import type { Image } from '../oci/index.js';
import { analyzeImage, type AnalyzeOptions } from './analyze.js';
import type { GrowthVerdict } from './growth-gate.js';
import { LayerMemo } from './layer-memo.js';
import type { ImageAnalysis } from './types.js';

/** A size in the first image, in the second, and the change (second minus first). */
export interface SizeChange {
  a: number;
  b: number;
  change: number;
}

/** One module, package or file whose size changed, appeared (`a` 0) or disappeared (`b` 0). */
export interface NamedChange extends SizeChange {
  name: string;
}

/** What changed between two analyses of images: what `minnow diff A B` reports. */
export interface ImageDiff {
  a: { reference: string; digest: string };
  b: { reference: string; digest: string };
  size: { compressed: SizeChange; content: SizeChange };
  /** Layers by digest: the same digest in both is shared (unchanged, read once); the rest are added or removed. */
  layers: {
    shared: number;
    unchanged: { digest: string; compressedSize: number; createdBy?: string }[];
    added: { digest: string; compressedSize: number; createdBy?: string }[];
    removed: { digest: string; compressedSize: number; createdBy?: string }[];
  };
  /** Files among each image's largest whose size changed, largest change first. */
  files: NamedChange[];
  /** Go code and pclntab bytes per module, over every Go binary; changed ones, largest change first. */
  goModules: NamedChange[];
  /** The same per package. */
  goPackages: NamedChange[];
  /**
   * Go dependencies (from the binaries' build info) whose version changed, appeared (no `a`) or went away (no
   * `b`); a replaced module shows its replacement (`=> path version`). Sorted by module path.
   */
  goModuleVersions: { name: string; a?: string; b?: string }[];
  osPackages: { added: string[]; removed: string[] };
  findings: {
    appeared: { rule: string; message: string }[];
    disappeared: { rule: string; message: string }[];
  };
  /** `--max-growth`, when it was given: passed or not, and why. */
  gate?: GrowthVerdict;
}

function change(a: number, b: number): SizeChange {
  return { a, b, change: b - a };
}

/** Per-name sizes of both sides, changed entries only, largest absolute change first. */
function changes(a: Map<string, number>, b: Map<string, number>): NamedChange[] {
  const out: NamedChange[] = [];
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const c = change(a.get(name) ?? 0, b.get(name) ?? 0);
    if (c.change !== 0) out.push({ name, ...c });
  }
  return out.sort((x, y) => Math.abs(y.change) - Math.abs(x.change) || (x.name < y.name ? -1 : 1));
}

function goSizes(an: ImageAnalysis, key: 'modules' | 'packages'): Map<string, number> {
  const out = new Map<string, number>();
  for (const b of an.goBinaries) {
    for (const m of b.attribution?.[key] ?? []) out.set(m.path, (out.get(m.path) ?? 0) + m.code + m.pclntab);
  }
  return out;
}

/** Each dependency's version over every Go binary (several binaries with different versions: all, joined). */
function moduleVersions(an: ImageAnalysis): Map<string, string> {
  const seen = new Map<string, Set<string>>();
  for (const b of an.goBinaries) {
    for (const d of b.info.deps) {
      const v = d.replace ? `${d.version} => ${d.replace.path} ${d.replace.version}`.trim() : d.version;
      seen.set(d.path, (seen.get(d.path) ?? new Set()).add(v));
    }
  }
  return new Map([...seen].map(([path, vs]) => [path, [...vs].sort().join(', ')]));
}

function versionChanges(a: ImageAnalysis, b: ImageAnalysis): ImageDiff['goModuleVersions'] {
  const va = moduleVersions(a);
  const vb = moduleVersions(b);
  return [...new Set([...va.keys(), ...vb.keys()])]
    .filter((name) => va.get(name) !== vb.get(name))
    .sort()
    .map((name) => ({
      name,
      ...(va.has(name) ? { a: va.get(name)! } : {}),
      ...(vb.has(name) ? { b: vb.get(name)! } : {}),
    }));
}

const findingKey = (f: { rule: string; message: string }): string => `${f.rule}\0${f.message}`;

/** Compares two analyses (of any two images minnow reads). */
export function diffAnalyses(a: ImageAnalysis, b: ImageAnalysis): ImageDiff {
  const aLayers = new Set(a.layers.map((l) => l.digest));
  const bLayers = new Set(b.layers.map((l) => l.digest));
  const layer = (l: ImageAnalysis['layers'][number]) => ({
    digest: l.digest,
    compressedSize: l.compressedSize,
    ...(l.createdBy ? { createdBy: l.createdBy } : {}),
  });
  const pkgs = (an: ImageAnalysis): Set<string> => new Set(an.packages.map((p) => `${p.name} ${p.version}`));
  const aPkgs = pkgs(a);
  const bPkgs = pkgs(b);
  const aFind = new Map(a.findings.map((f) => [findingKey(f), f]));
  const bFind = new Map(b.findings.map((f) => [findingKey(f), f]));
  const files = (an: ImageAnalysis): Map<string, number> =>
    new Map(an.files.largest.map((f) => [f.path, f.size]));
  return {
    a: { reference: a.reference, digest: a.digest },
    b: { reference: b.reference, digest: b.digest },
    size: {
      compressed: change(a.size.compressed, b.size.compressed),
      content: change(a.size.content, b.size.content),
    },
    layers: {
      shared: [...bLayers].filter((d) => aLayers.has(d)).length,
      unchanged: b.layers.filter((l) => aLayers.has(l.digest)).map(layer),
      added: b.layers.filter((l) => !aLayers.has(l.digest)).map(layer),
      removed: a.layers.filter((l) => !bLayers.has(l.digest)).map(layer),
    },
    files: changes(files(a), files(b)),
    goModules: changes(goSizes(a, 'modules'), goSizes(b, 'modules')),
    goPackages: changes(goSizes(a, 'packages'), goSizes(b, 'packages')),
    goModuleVersions: versionChanges(a, b),
    osPackages: {
      added: [...bPkgs].filter((p) => !aPkgs.has(p)).sort(),
      removed: [...aPkgs].filter((p) => !bPkgs.has(p)).sort(),
    },
    findings: {
      appeared: [...bFind]
        .filter(([k]) => !aFind.has(k))
        .map(([, f]) => ({ rule: f.rule, message: f.message })),
      disappeared: [...aFind]
        .filter(([k]) => !bFind.has(k))
        .map(([, f]) => ({ rule: f.rule, message: f.message })),
    },
  };
}

export interface DiffImagesOptions extends Omit<AnalyzeOptions, 'reference' | 'layerMemo' | 'onLayer'> {
  /** Shown as the references of the two images. Default: their digests. */
  references?: [string, string];
  /** Called after each layer read or replayed: which image (0 or 1), the layer, how many. */
  onLayer?: (image: 0 | 1, index: number, total: number) => void;
}

/** A diff, with the two analyses it came from (the HTML report draws their binaries). */
export interface ImagesDiff {
  diff: ImageDiff;
  analyses: [ImageAnalysis, ImageAnalysis];
}

/**
 * Analyses two images, side by side, and diffs them. A layer both images have (the same digest) is read once:
 * the other analysis replays what reading it did, so an unchanged base costs nothing the second time.
 */
export async function diffImages(a: Image, b: Image, options: DiffImagesOptions = {}): Promise<ImagesDiff> {
  const { references, onLayer, ...analyze } = options;
  const aLayers = (await a.manifest()).layers.map((l) => l.digest as string);
  const bLayers = new Set((await b.manifest()).layers.map((l) => l.digest as string));
  const memo = new LayerMemo(aLayers.filter((d) => bLayers.has(d)));
  // One failing stops the other: its error is the one thrown, once both have settled.
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  if (options.signal?.aborted) stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let failure: { err: unknown } | undefined;
  const run = (image: Image, which: 0 | 1): Promise<ImageAnalysis | undefined> =>
    analyzeImage(image, {
      ...analyze,
      ...(references ? { reference: references[which] } : {}),
      layerMemo: memo,
      ...(onLayer ? { onLayer: (i: number, n: number) => onLayer(which, i, n) } : {}),
      signal: stop.signal,
    }).catch((err: unknown) => {
      failure ??= { err };
      stop.abort();
      return undefined;
    });
  // Side by side: each waits only where it needs a layer the other is reading.
  const [first, second] = await Promise.all([run(a, 0), run(b, 1)]).finally(() =>
    options.signal?.removeEventListener('abort', onAbort),
  );
  if (failure || !first || !second) throw failure?.err;
  return { diff: diffAnalyses(first, second), analyses: [first, second] };
}
