import tar from 'tar-stream';
import { MinnowError } from '../errors.js';
import { attributeBinary, type BinaryAttribution } from '../go/attribution.js';
import type { GoBuildInfo } from '../go/buildinfo.js';
import { decompress, type Layer } from '../oci/index.js';
import { entryPath } from './filesystem.js';

/** A Go binary to attribute: where it is, which layer holds its final bytes, what its build info says. */
export interface BinaryToAttribute {
  path: string;
  layer: number;
  size: number;
  info: GoBuildInfo;
}

/** Binaries larger than this are not attributed (their bytes are held in memory while they are read). */
export const MAX_ATTRIBUTED_BINARY = 1 << 30;

/**
 * Reads each Go binary again from the layer that holds it (one pass per such layer, only those layers) and
 * attributes its bytes to kinds, modules and packages. A binary whose pclntab cannot be read gets no entry.
 */
export async function attributeBinaries(
  layers: readonly Layer[],
  binaries: readonly BinaryToAttribute[],
  signal?: AbortSignal,
): Promise<Map<string, BinaryAttribution>> {
  const out = new Map<string, BinaryAttribution>();
  const byLayer = new Map<number, Map<string, BinaryToAttribute>>();
  for (const b of binaries) {
    if (b.size > MAX_ATTRIBUTED_BINARY) continue;
    const wanted = byLayer.get(b.layer) ?? new Map<string, BinaryToAttribute>();
    wanted.set(b.path, b);
    byLayer.set(b.layer, wanted);
  }
  for (const [index, wanted] of byLayer) {
    const layer = layers[index];
    if (!layer) continue;
    const found = await readFiles(layer, new Set(wanted.keys()), signal);
    for (const [path, data] of found) {
      const b = wanted.get(path) as BinaryToAttribute;
      try {
        out.set(path, await attributeBinary(data, b.info));
      } catch (err) {
        if (!(err instanceof MinnowError)) throw err;
        // An ELF this reader does not understand (another pclntab layout): reported without attribution.
      }
    }
  }
  return out;
}

/** The bytes of the regular files named `paths` in one layer (the last entry of a path wins). */
async function readFiles(
  layer: Layer,
  paths: Set<string>,
  signal?: AbortSignal,
): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  const extract = tar.extract();
  const src = await decompress(await layer.compressed());
  const onAbort = (): void => {
    src.destroy(new MinnowError('ABORTED', 'analysis aborted'));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      extract.on('entry', (header, stream, next) => {
        let path: string | undefined;
        try {
          path = entryPath(header.name);
        } catch {
          path = undefined;
        }
        if (header.type !== 'file' || !path || !paths.has(path)) {
          stream.on('end', next);
          stream.resume();
          return;
        }
        const chunks: Buffer[] = [];
        stream.on('data', (c: unknown) => {
          chunks.push(c as Buffer);
        });
        stream.on('end', () => {
          found.set(path, Buffer.concat(chunks));
          next();
        });
      });
      extract.on('finish', () => resolve());
      extract.on('error', reject);
      src.on('error', reject);
      src.pipe(extract);
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return found;
}
