import { MinnowError } from '../errors.js';
import type { Layer } from '../oci/index.js';
import type { MergedFilesystem } from './filesystem.js';
import { readLayer, type CapturedFiles, type LayerReadOptions, type LayerReadResult } from './read-layer.js';
import type { FileInfo } from './types.js';

/** What one read of a layer left behind: the entries it applied, the files it captured, its sizes. */
interface Recording {
  entries: FileInfo[];
  captured: Map<string, Buffer>;
  result: LayerReadResult;
}

/** Reads a layer into a merged filesystem: `readLayer`'s shape, so a memo can stand in for it. */
export type LayerReader = (
  layer: Layer,
  index: number,
  fs: MergedFilesystem,
  captured: CapturedFiles,
  options?: LayerReadOptions,
) => Promise<LayerReadResult>;

/**
 * Remembers what reading the layers with the digests in `keep` did, so analysing a second image that shares them
 * (`minnow diff`) replays the entries instead of pulling and inflating the blob again. Only the named layers are
 * recorded: memory grows with their paths, as the merged filesystem's does.
 */
export class LayerMemo {
  readonly #keep: ReadonlySet<string>;
  /** Per kept digest, its recording: a promise, so an analysis running alongside waits for the one read. */
  readonly #recordings = new Map<string, Promise<Recording>>();

  constructor(keep: Iterable<string>) {
    this.#keep = new Set(keep);
  }

  /** A `LayerReader` that reads each kept layer once and replays it afterwards. */
  readonly read: LayerReader = async (layer, index, fs, captured, options) => {
    const digest = await layer.digest();
    const seen = this.#recordings.get(digest);
    if (seen) return replay(await seen, index, fs, captured);
    if (!this.#keep.has(digest)) return readLayer(layer, index, fs, captured, options);
    const recording = record(layer, index, fs, captured, options);
    this.#recordings.set(digest, recording);
    return (await recording).result;
  };
}

/** Reads a layer through readLayer, keeping the entries it applies and the files it captures. */
async function record(
  layer: Layer,
  index: number,
  fs: MergedFilesystem,
  captured: CapturedFiles,
  options: LayerReadOptions | undefined,
): Promise<Recording> {
  const entries: FileInfo[] = [];
  const tap = new Proxy(fs, {
    get(target, prop) {
      if (prop === 'apply') {
        return (info: FileInfo): boolean => {
          // The same object: readLayer fills in ELF and build info after applying it.
          entries.push(info);
          return target.apply(info);
        };
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const before = new Map(captured);
  const result = await readLayer(layer, index, tap, captured, options);
  const mine = new Map<string, Buffer>();
  for (const [path, c] of captured) if (c.layer === index && before.get(path) !== c) mine.set(path, c.data);
  return { entries, captured: mine, result };
}

/** Applies a recorded layer at `index`, with readLayer's checks that depend on what lies below it. */
function replay(r: Recording, index: number, fs: MergedFilesystem, captured: CapturedFiles): LayerReadResult {
  let whiteouts = 0;
  for (const recorded of r.entries) {
    const info: FileInfo = { ...recorded, layer: index };
    if (info.type === 'hardlink' && info.linkname) {
      // Below this layer may lie other files than when it was recorded: the link's target is looked up again.
      const target = fs.get(info.linkname);
      if (!target || target.type === 'directory') {
        throw new MinnowError(
          'INVALID_IMAGE',
          `layer ${index}: hard link ${info.path} -> ${info.linkname}: the target ${target ? 'is a directory' : 'does not exist'}`,
          { subject: info.path },
        );
      }
      delete info.elf;
      delete info.go;
      info.size = 0;
      if (target.type === 'file') {
        info.size = target.size;
        if (target.elf) info.elf = target.elf;
        if (target.go) info.go = target.go;
      }
    }
    if (!fs.apply(info)) whiteouts++;
  }
  for (const [path, data] of r.captured) captured.set(path, { layer: index, data });
  return { ...r.result, whiteouts };
}
