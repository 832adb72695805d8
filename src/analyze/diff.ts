import { MinnowError } from '../errors.js';
import { parseSize } from '../util/size.js';
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
  /** Layers by digest: the same digest in both is shared (unchanged); the rest are added or removed. */
  layers: {
    shared: number;
    added: { digest: string; compressedSize: number; createdBy?: string }[];
    removed: { digest: string; compressedSize: number; createdBy?: string }[];
  };
  /** Files among each image's largest whose size changed, largest change first. */
  files: NamedChange[];
  /** Go code and pclntab bytes per module, over every Go binary; changed ones, largest change first. */
  goModules: NamedChange[];
  /** The same per package. */
  goPackages: NamedChange[];
  osPackages: { added: string[]; removed: string[] };
  findings: {
    appeared: { rule: string; message: string }[];
    disappeared: { rule: string; message: string }[];
  };
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
      added: b.layers.filter((l) => !aLayers.has(l.digest)).map(layer),
      removed: a.layers.filter((l) => !bLayers.has(l.digest)).map(layer),
    },
    files: changes(files(a), files(b)),
    goModules: changes(goSizes(a, 'modules'), goSizes(b, 'modules')),
    goPackages: changes(goSizes(a, 'packages'), goSizes(b, 'packages')),
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

/** A growth limit: a share of the first image (`5%`) or bytes (`200KB`). */
export type GrowthLimit = { ratio: number } | { bytes: number };

/** Parses `--max-growth`: `5%`, `0.5%`, `200KB`, `1MiB`, bytes. */
export function parseGrowth(text: string): GrowthLimit {
  const pct = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  if (pct) return { ratio: Number(pct[1]) / 100 };
  try {
    return { bytes: parseSize(text) };
  } catch (err) {
    throw new MinnowError(
      'INVALID_ARGUMENT',
      `--max-growth must be a percentage (5%) or a size (200KB), got "${text}"`,
      {
        subject: text,
        cause: err,
      },
    );
  }
}

/** Why the compressed size grew past `limit`, or undefined when it did not. */
export function growthViolation(d: ImageDiff, limit: GrowthLimit): string | undefined {
  const { a, change: grew } = d.size.compressed;
  const allowed = 'ratio' in limit ? a * limit.ratio : limit.bytes;
  if (grew <= allowed) return undefined;
  const what = 'ratio' in limit ? `${(limit.ratio * 100).toFixed(1)}%` : `${limit.bytes} bytes`;
  return `compressed size grew by ${grew} bytes (${a > 0 ? ((grew / a) * 100).toFixed(2) : '∞'}%), more than ${what}`;
}
