import { posix } from 'node:path';
import { MinnowError } from '../errors.js';
import type { FileInfo } from './types.js';

interface DirNode {
  info: FileInfo;
  children: Map<string, Node>;
}
interface LeafNode {
  info: FileInfo;
  children?: undefined;
}
type Node = DirNode | LeafNode;

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/**
 * Normalizes a tar entry name to an absolute image path (`./etc/` → `/etc`); throws UNSAFE_PATH for a name that
 * climbs out of the root (`../../etc/passwd`). Returns `/` for the root itself.
 */
export function entryPath(name: string): string {
  if (name.includes('\0'))
    throw new MinnowError('UNSAFE_PATH', `tar entry name has a NUL byte`, { subject: name });
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    throw new MinnowError('UNSAFE_PATH', `tar entry "${name}" climbs out of the image root`, {
      subject: name,
    });
  }
  return `/${parts.join('/')}`;
}

/** True when a relative symlink target, resolved from the link's directory, climbs above the root. */
export function symlinkEscapes(path: string, target: string): boolean {
  if (target.startsWith('/')) return false;
  let depth = posix.dirname(path).split('/').filter(Boolean).length;
  for (const part of target.split('/')) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    if (depth < 0) return true;
  }
  return false;
}

/**
 * The merged filesystem of an image's layers, applied in order: later entries replace earlier ones, `.wh.NAME`
 * deletes NAME from lower layers, `.wh..wh..opq` empties a directory of lower-layer content. Holds metadata only
 * (never file contents), so memory grows with the number of paths, not with the image size. Also counts, per path,
 * the bytes every layer shipped, for dive-style efficiency.
 */
export class MergedFilesystem {
  readonly #root: DirNode = {
    info: { path: '/', type: 'directory', size: 0, mode: 0o755, uid: 0, gid: 0, layer: -1 },
    children: new Map(),
  };
  /** Per path: bytes shipped over all layers, and how many layers shipped it. */
  readonly #shipped = new Map<string, { bytes: number; count: number }>();
  #entries = 0;
  readonly maxEntries: number;

  constructor(options: { maxEntries?: number } = {}) {
    this.maxEntries = options.maxEntries ?? 2_000_000;
  }

  #dir(path: string, layer: number): DirNode {
    let node: DirNode = this.#root;
    for (const part of path.split('/').filter(Boolean)) {
      let child = node.children.get(part);
      if (!child || !child.children) {
        // A missing parent (or a non-directory in the way) becomes an implicit directory, as runtimes do.
        child = {
          info: {
            path: node.info.path === '/' ? `/${part}` : `${node.info.path}/${part}`,
            type: 'directory',
            size: 0,
            mode: 0o755,
            uid: 0,
            gid: 0,
            layer,
          },
          children: new Map(),
        };
        node.children.set(part, child);
      }
      node = child as DirNode;
    }
    return node;
  }

  /** Applies one entry of layer `layer`. Whiteouts are recognised from the name. Returns false for whiteouts. */
  apply(info: FileInfo): boolean {
    if (info.path === '/') return true;
    const parentPath = posix.dirname(info.path);
    const name = posix.basename(info.path);
    const parent = this.#dir(parentPath, info.layer);
    if (name === OPAQUE) {
      for (const [n, child] of parent.children) if (child.info.layer < info.layer) parent.children.delete(n);
      return false;
    }
    if (name.startsWith(WHITEOUT)) {
      const target = parent.children.get(name.slice(WHITEOUT.length));
      if (target && target.info.layer < info.layer) parent.children.delete(name.slice(WHITEOUT.length));
      return false;
    }
    if (++this.#entries > this.maxEntries) {
      throw new MinnowError('LIMIT_EXCEEDED', `image has more than ${this.maxEntries} filesystem entries`);
    }
    if (info.type === 'file' || info.type === 'hardlink' || info.type === 'symlink') {
      // Hard links ship no bytes of their own.
      const bytes = info.type === 'file' ? info.size : 0;
      const s = this.#shipped.get(info.path);
      if (s) {
        s.bytes += bytes;
        s.count++;
      } else this.#shipped.set(info.path, { bytes, count: 1 });
    }
    const existing = parent.children.get(name);
    if (info.type === 'directory') {
      // A directory entry over an existing directory keeps its children (tar semantics).
      if (existing?.children) existing.info = info;
      else parent.children.set(name, { info, children: new Map() });
    } else {
      parent.children.set(name, { info });
    }
    return true;
  }

  /** The entry at `path`, if the merged view has one. */
  get(path: string): FileInfo | undefined {
    let node: Node = this.#root;
    for (const part of path.split('/').filter(Boolean)) {
      const next: Node | undefined = node.children?.get(part);
      if (!next) return undefined;
      node = next;
    }
    return node.info;
  }

  /** Every entry of the merged view (the root excluded), depth first in name order. */
  *walk(): Generator<FileInfo> {
    const stack: Node[] = [this.#root];
    while (stack.length > 0) {
      const node = stack.pop() as Node;
      if (node !== this.#root) yield node.info;
      if (node.children) {
        const names = [...node.children.keys()].sort().reverse();
        for (const n of names) stack.push(node.children.get(n) as Node);
      }
    }
  }

  /** Children of a directory (empty when it is not one). */
  list(path: string): FileInfo[] {
    let node: Node = this.#root;
    for (const part of path.split('/').filter(Boolean)) {
      const next: Node | undefined = node.children?.get(part);
      if (!next) return [];
      node = next;
    }
    return [...(node.children?.values() ?? [])].map((c) => c.info);
  }

  /**
   * Dive-style efficiency: per path, the bytes shipped over all layers minus the copy that is kept (nothing when
   * it was deleted). Score = kept / shipped, 1 when nothing was shipped.
   */
  efficiency(top = 10): {
    score: number;
    wastedBytes: number;
    wasted: { path: string; count: number; wastedBytes: number }[];
  } {
    let shipped = 0;
    let wastedBytes = 0;
    const wasted: { path: string; count: number; wastedBytes: number }[] = [];
    for (const [path, s] of this.#shipped) {
      shipped += s.bytes;
      const kept = this.get(path);
      const keptBytes = kept?.type === 'file' ? kept.size : 0;
      const w = s.bytes - keptBytes;
      if (w > 0) {
        wastedBytes += w;
        wasted.push({ path, count: s.count, wastedBytes: w });
      }
    }
    wasted.sort((a, b) => b.wastedBytes - a.wastedBytes || (a.path < b.path ? -1 : 1));
    const score = shipped === 0 ? 1 : (shipped - wastedBytes) / shipped;
    return { score, wastedBytes, wasted: wasted.slice(0, top) };
  }
}
