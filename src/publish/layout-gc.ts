import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  isIndex,
  layoutBlobPath,
  parseIndexManifest,
  parseManifest,
  sniffManifestMediaType,
  type Descriptor,
} from '../oci/index.js';

export interface LayoutGcOptions {
  /** Blobs younger than this are kept even when unreferenced (a writer may be about to name them). Default 60 s. */
  minAgeMs?: number;
}

/**
 * Removes blobs that nothing in an OCI layout's index.json reaches (old builds of a tag that was replaced), so a
 * layout rebuilt many times does not grow without bound. Returns the bytes freed. Reachability follows indexes,
 * manifests, configs and layers; anything it cannot parse is kept.
 */
export async function gcLayout(dir: string, options: LayoutGcOptions = {}): Promise<number> {
  const minAge = options.minAgeMs ?? 60_000;
  const keep = new Set<string>();
  const visit = async (d: Descriptor): Promise<void> => {
    if (keep.has(d.digest)) return;
    keep.add(d.digest);
    if (!/manifest|index/.test(d.mediaType)) return;
    const raw = await readFile(layoutBlobPath(dir, d.digest));
    const mediaType = sniffManifestMediaType(raw, d.mediaType);
    if (isIndex(mediaType)) {
      for (const child of parseIndexManifest(raw).manifests) await visit(child);
    } else {
      const m = parseManifest(raw);
      keep.add(m.config.digest);
      for (const l of m.layers) keep.add(l.digest);
    }
  };
  try {
    const index = parseIndexManifest(await readFile(join(dir, 'index.json')));
    for (const d of index.manifests) await visit(d);
  } catch {
    return 0;
  }
  let freed = 0;
  const now = Date.now();
  for (const algorithm of await readdir(join(dir, 'blobs')).catch(() => [] as string[])) {
    const blobDir = join(dir, 'blobs', algorithm);
    for (const name of await readdir(blobDir).catch(() => [] as string[])) {
      if (name.startsWith('.') || keep.has(`${algorithm}:${name}`)) continue;
      const path = join(blobDir, name);
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile() || now - info.mtimeMs < minAge) continue;
      await rm(path, { force: true });
      freed += info.size;
    }
  }
  return freed;
}
