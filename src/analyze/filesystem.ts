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

/** A relative name of non-empty parts other than `.` and `..`, with no NUL, and at most a trailing `/`. */
const PLAIN_NAME = /^(?:(?!\.\.?(?:\/|$))[^/\0]+\/)*(?!\.\.?(?:\/|$))[^/\0]+\/?$/;
const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/**
 * Normalizes a tar entry name to an absolute image path (`./etc/` → `/etc`); throws UNSAFE_PATH for a name that
 * climbs out of the root (`../../etc/passwd`). Returns `/` for the root itself.
 */
export function entryPath(name: string): string {
  // Most names are already plain (`usr/bin/x`, `./usr/bin/x`, `usr/share/`): no empty, `.` or `..` part inside.
  const plain = name.startsWith('./') ? name.slice(2) : name;
  if (PLAIN_NAME.test(plain)) return `/${plain.endsWith('/') ? plain.slice(0, -1) : plain}`;
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
 * An opaque whiteout of layer `layer`: hides everything lower layers put in `dir`, also below subdirectories that
 * `layer` itself re-declared (their entry is new, their lower content is not).
 */
function hideLower(dir: DirNode, layer: number): void {
  for (const [n, child] of dir.children) {
    if (child.info.layer < layer) dir.children.delete(n);
    else if (child.children) hideLower(child, layer);
  }
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
  /**
   * Every file content shipped (an inode: one regular-file entry, shared by its hard links): where it was shipped
   * and its bytes. Waste is counted per inode, so deleting one name of a hard-linked file wastes nothing.
   */
  readonly #shippedPath: string[] = [];
  readonly #shippedBytes: number[] = [];
  /** Per path: how many layers shipped a file, link or symlink there. */
  readonly #shipCount = new Map<string, number>();
  /**
   * The inode of each file and hard-link entry. A Map, not a WeakMap: the entries live as long as this view, and
   * a WeakMap's ephemerons cost every GC cycle.
   */
  readonly #inode = new Map<FileInfo, number>();
  #nextInode = 1;
  /** The directory the last entry went into, while no deletion can have detached it. */
  #lastParent: DirNode | undefined;
  #lastParentPath = '';
  #entries = 0;
  /** The walk and the inodes it reaches, until the next `apply` changes the view. */
  #walked: FileInfo[] | undefined;
  #kept: Uint8Array | undefined;
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
    this.#walked = undefined;
    this.#kept = undefined;
    if (info.path === '/') return true;
    const slash = info.path.lastIndexOf('/');
    const parentPath = slash === 0 ? '/' : info.path.slice(0, slash);
    const name = info.path.slice(slash + 1);
    // A tar lists a directory's entries together: the last parent found is most often the next one's too.
    let parent = this.#lastParent;
    if (parentPath !== this.#lastParentPath || !parent) {
      parent = this.#dir(parentPath, info.layer);
      this.#lastParent = parent;
      this.#lastParentPath = parentPath;
    }
    if (name === OPAQUE) {
      hideLower(parent, info.layer);
      this.#lastParent = undefined;
      return false;
    }
    if (name.startsWith(WHITEOUT)) {
      const target = parent.children.get(name.slice(WHITEOUT.length));
      if (target && target.info.layer < info.layer) parent.children.delete(name.slice(WHITEOUT.length));
      this.#lastParent = undefined;
      return false;
    }
    if (++this.#entries > this.maxEntries) {
      throw new MinnowError('LIMIT_EXCEEDED', `image has more than ${this.maxEntries} filesystem entries`);
    }
    if (info.type === 'file' || info.type === 'hardlink' || info.type === 'symlink') {
      this.#shipCount.set(info.path, (this.#shipCount.get(info.path) ?? 0) + 1);
    }
    if (info.type === 'file') {
      const inode = this.#nextInode++;
      this.#inode.set(info, inode);
      this.#shippedPath[inode] = info.path;
      this.#shippedBytes[inode] = info.size;
    } else if (info.type === 'hardlink') {
      // A hard link shares its target's content (and ships no bytes of its own).
      const target = info.linkname ? this.get(info.linkname) : undefined;
      const inode = target ? this.#inode.get(target) : undefined;
      if (inode !== undefined) this.#inode.set(info, inode);
    }
    const existing = parent.children.get(name);
    if (info.type === 'directory') {
      // A directory entry over an existing directory keeps its children (tar semantics).
      if (existing?.children) existing.info = info;
      else parent.children.set(name, { info, children: new Map() });
    } else {
      parent.children.set(name, { info });
      // A directory replaced by a file takes its subtree with it, perhaps the remembered parent.
      if (existing?.children) this.#lastParent = undefined;
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
    yield* this.#ordered();
  }

  /** The walk's order, made once per state of the view: an analysis reads it three times (sorting each time). */
  #ordered(): FileInfo[] {
    if (this.#walked) return this.#walked;
    const out: FileInfo[] = [];
    const stack: Node[] = [this.#root];
    while (stack.length > 0) {
      const node = stack.pop() as Node;
      if (node !== this.#root) out.push(node.info);
      if (node.children) {
        const names = [...node.children.keys()].sort().reverse();
        for (const n of names) stack.push(node.children.get(n) as Node);
      }
    }
    this.#walked = out;
    return out;
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

  /** The inodes the merged view still reaches, through any name (a file or one of its hard links). */
  #keptInodes(): Uint8Array {
    if (this.#kept) return this.#kept;
    // Inodes are numbered from 1 as files arrive: one mark each.
    const kept = new Uint8Array(this.#nextInode);
    for (const e of this.#ordered()) {
      const inode = this.#inode.get(e);
      if (inode !== undefined) kept[inode] = 1;
    }
    this.#kept = kept;
    return kept;
  }

  /** Bytes of regular-file content in the final filesystem, each hard-linked file counted once. */
  filesystemBytes(): number {
    let bytes = 0;
    const kept = this.#keptInodes();
    for (let inode = 1; inode < this.#nextInode; inode++)
      if (kept[inode]) bytes += this.#shippedBytes[inode] as number;
    return bytes;
  }

  /**
   * Dive-style efficiency: the bytes shipped over all layers that the final filesystem no longer reaches
   * (overwritten or deleted, under every name of a hard-linked file), summed per path they were shipped at.
   * Score = kept / shipped, 1 when nothing was shipped.
   */
  efficiency(top = 10): {
    score: number;
    wastedBytes: number;
    wasted: { path: string; count: number; wastedBytes: number }[];
  } {
    const kept = this.#keptInodes();
    let shipped = 0;
    let wastedBytes = 0;
    const byPath = new Map<string, number>();
    for (let inode = 1; inode < this.#nextInode; inode++) {
      const bytes = this.#shippedBytes[inode] as number;
      shipped += bytes;
      if (kept[inode] || bytes === 0) continue;
      wastedBytes += bytes;
      const path = this.#shippedPath[inode] as string;
      byPath.set(path, (byPath.get(path) ?? 0) + bytes);
    }
    const wasted = [...byPath].map(([path, w]) => ({
      path,
      count: this.#shipCount.get(path) ?? 1,
      wastedBytes: w,
    }));
    wasted.sort((a, b) => b.wastedBytes - a.wastedBytes || (a.path < b.path ? -1 : 1));
    const score = shipped === 0 ? 1 : (shipped - wastedBytes) / shipped;
    return { score, wastedBytes, wasted: wasted.slice(0, top) };
  }
}
