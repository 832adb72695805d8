import { MinnowError } from '../errors.js';
import type { BinaryAttribution } from '../go/attribution.js';
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
  readonly #recordings = new Map<string, Recording>();
  readonly #attributions = new Map<string, BinaryAttribution | null>();
  /** Layers actually read (digest per read), in order: what a test checks. */
  readonly reads: string[] = [];

  constructor(keep: Iterable<string>) {
    this.#keep = new Set(keep);
  }

  /** A `LayerReader` that reads each kept layer once and replays it afterwards. */
  readonly read: LayerReader = async (layer, index, fs, captured, options) => {
    const digest = await layer.digest();
    const seen = this.#recordings.get(digest);
    if (seen) return replay(seen, index, fs, captured);
    this.reads.push(digest);
    if (!this.#keep.has(digest)) return readLayer(layer, index, fs, captured, options);
    const recording: Recording = { entries: [], captured: new Map(), result: undefined as never };
    const tap = new Proxy(fs, {
      get(target, prop) {
        if (prop === 'apply') {
          return (info: FileInfo): boolean => {
            // The same object: readLayer fills in ELF and build info after applying it.
            recording.entries.push(info);
            return target.apply(info);
          };
        }
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const seenCaptured = new Map(captured);
    recording.result = await readLayer(layer, index, tap, captured, options);
    for (const [path, c] of captured) {
      if (c.layer === index && seenCaptured.get(path) !== c) recording.captured.set(path, c.data);
    }
    this.#recordings.set(digest, recording);
    return recording.result;
  };

  /** The attribution of the binary at `path` of layer `digest` when known (null: it has none). */
  attributionOf(digest: string, path: string): BinaryAttribution | null | undefined {
    return this.#attributions.get(`${digest}\0${path}`);
  }

  /** Remembers an attribution of a binary in a kept layer. */
  rememberAttribution(digest: string, path: string, a: BinaryAttribution | undefined): void {
    if (this.#keep.has(digest)) this.#attributions.set(`${digest}\0${path}`, a ?? null);
  }
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
