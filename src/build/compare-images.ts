import { formatPlatform, platformMatches, type Image, type ImageOrIndex } from '../oci/index.js';
import { compareLayers } from './compare-layers.js';

/** Where two builds first differ. */
export interface ImageDifference {
  /** The platform whose image differs (`linux/arm64`), when the targets are indexes. */
  platform?: string;
  /** `index`, `config`, `layer` or `manifest`. */
  part: 'index' | 'config' | 'layer' | 'manifest';
  /** Layer position (0 = base's first) for `layer`. */
  layer?: number;
  /** The first differing file for `layer`, the first differing config field for `config`. */
  path?: string;
  detail: string;
}

function firstJsonDifference(
  a: unknown,
  b: unknown,
  path: string,
): { path: string; detail: string } | undefined {
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(ra), ...Object.keys(rb)])].sort();
    for (const k of keys) {
      const d = firstJsonDifference(
        ra[k],
        rb[k],
        Array.isArray(a) ? `${path}[${k}]` : path ? `${path}.${k}` : k,
      );
      if (d) return d;
    }
  }
  const show = (v: unknown): string => (v === undefined ? '(absent)' : JSON.stringify(v).slice(0, 120));
  return { path: path || '(root)', detail: `${show(a)} vs ${show(b)}` };
}

async function compareImage(a: Image, b: Image, platform?: string): Promise<ImageDifference | undefined> {
  if ((await a.digest()) === (await b.digest())) return undefined;
  const at = platform ? { platform } : {};
  const [la, lb] = [await a.layers(), await b.layers()];
  if (la.length !== lb.length) return { ...at, part: 'layer', detail: `${la.length} layers vs ${lb.length}` };
  for (let i = 0; i < la.length; i++) {
    const diff = await compareLayers(la[i] as (typeof la)[number], lb[i] as (typeof lb)[number]);
    if (diff) return { ...at, part: 'layer', layer: i, path: diff.path, detail: diff.detail };
  }
  const config = firstJsonDifference(await a.configFile(), await b.configFile(), '');
  if (config) return { ...at, part: 'config', ...config };
  const manifest = firstJsonDifference(await a.manifest(), await b.manifest(), '');
  return {
    ...at,
    part: 'manifest',
    path: manifest?.path,
    detail: manifest?.detail ?? 'manifest bytes differ',
  };
}

/**
 * Compares two builds of the same thing and returns where they first differ: for an index, the first platform
 * whose image differs; for an image, the first differing file of the first differing layer (compared entry by
 * entry), else the first differing config field, else the manifest. Undefined when the digests are equal.
 */
export async function compareImages(a: ImageOrIndex, b: ImageOrIndex): Promise<ImageDifference | undefined> {
  if (a.kind === 'image' && b.kind === 'image') return compareImage(a.image, b.image);
  if (a.kind !== 'index' || b.kind !== 'index') return { part: 'index', detail: `${a.kind} vs ${b.kind}` };
  if ((await a.index.digest()) === (await b.index.digest())) return undefined;
  const [ma, mb] = [await a.index.indexManifest(), await b.index.indexManifest()];
  for (const da of ma.manifests) {
    const name = da.platform ? formatPlatform(da.platform) : da.digest;
    const db = mb.manifests.find((d) =>
      da.platform && d.platform ? platformMatches(da.platform, d.platform) : false,
    );
    if (!db) return { part: 'index', platform: name, detail: 'only in the first build' };
    if (da.digest === db.digest) continue;
    const diff = await compareImage(await a.index.image(da), await b.index.image(db), name);
    if (diff) return diff;
  }
  const rest = firstJsonDifference(ma, mb, '');
  return { part: 'index', path: rest?.path, detail: rest?.detail ?? 'index bytes differ' };
}

/** One line for a difference: `linux/arm64: layer 1 /app/hello: content differs (...)`. */
export function describeDifference(d: ImageDifference): string {
  const where = [d.platform, d.part === 'layer' ? `layer ${d.layer ?? '?'}` : d.part, d.path].filter(Boolean);
  return `${where.join(' ')}: ${d.detail}`;
}
