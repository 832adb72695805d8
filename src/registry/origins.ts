import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isDigest, type Digest } from '../oci/digest.js';
import { writeFileAtomic } from '../util/atomic.js';
import type { Repo } from './client.js';
import { isRepositoryName } from './reference.js';

/** Blobs a registry's file keeps: the most recently seen (an entry is ~150 bytes). */
const MAX_BLOBS = 4000;
/** Repositories kept per blob, most recent first: one that answers is enough. */
const MAX_REPOS = 3;
/** Registry files kept in the directory: the most recently written (test registries come and go by port). */
const MAX_FILES = 64;

/** digest → repositories holding it, most recent first; the Map's order is oldest seen first. */
type Seen = Map<Digest, string[]>;

interface RegistryOrigins {
  seen: Seen;
  /** What this process learned, to lay over the file's current content when saving. */
  learned: Seen;
  forgotten: Map<Digest, Set<string>>;
  loaded: boolean;
}

const fileName = (registry: string): string => `${encodeURIComponent(registry)}.json`;

/** A saved file's entries; anything malformed is left out (the file is a hint, never trusted for content). */
function parse(text: string): Seen {
  const seen: Seen = new Map();
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return seen;
  }
  const blobs = (data as { blobs?: unknown } | null)?.blobs;
  if (!blobs || typeof blobs !== 'object') return seen;
  for (const [digest, repos] of Object.entries(blobs)) {
    if (!isDigest(digest) || !Array.isArray(repos)) continue;
    const valid = repos.filter((r): r is string => typeof r === 'string' && isRepositoryName(r));
    if (valid.length) seen.set(digest, valid.slice(0, MAX_REPOS));
  }
  return seen;
}

function add(seen: Seen, digest: Digest, repository: string): void {
  const repos = [repository, ...(seen.get(digest) ?? []).filter((r) => r !== repository)].slice(0, MAX_REPOS);
  seen.delete(digest);
  seen.set(digest, repos);
}

/**
 * Where blobs were seen, per registry: which repositories hold a digest (pulled from, pushed or mounted to,
 * found there), so that a push to another repository of the same registry mounts the blob instead of sending
 * it (cross-repository mount). In process memory, and, once `keepIn` names a directory, in a file per registry
 * there, so a push mounts what an earlier process pushed or pulled, as docker's and skopeo's blob caches do.
 * Only a hint: a mount the registry refuses is an upload, and a digest names its content whatever the source.
 */
export class BlobOrigins {
  readonly #registries = new Map<string, RegistryOrigins>();
  #dir: string | undefined;

  /** Saves to and loads from `dir` from now on (undefined: memory only). */
  keepIn(dir: string | undefined): void {
    this.#dir = dir;
    for (const r of this.#registries.values()) r.loaded = false;
  }

  #of(registry: string): RegistryOrigins {
    let r = this.#registries.get(registry);
    if (!r) {
      r = { seen: new Map(), learned: new Map(), forgotten: new Map(), loaded: false };
      this.#registries.set(registry, r);
    }
    return r;
  }

  /** Reads what earlier processes saved for `registry` (once; a missing or damaged file is no knowledge). */
  async load(registry: string): Promise<void> {
    const r = this.#of(registry);
    if (r.loaded || !this.#dir) return;
    r.loaded = true;
    const saved = parse(await readFile(join(this.#dir, fileName(registry)), 'utf8').catch(() => ''));
    // What this process saw is newer than the file: the file's entries go first (older), then this process's.
    const merged: Seen = new Map(saved);
    for (const [digest, repos] of r.seen) {
      for (const repo of [...repos].reverse()) add(merged, digest, repo);
    }
    r.seen = merged;
  }

  /** Remembers that `repo` holds `digest`. */
  remember(digest: Digest, repo: Repo): void {
    const r = this.#of(repo.registry);
    add(r.seen, digest, repo.repository);
    add(r.learned, digest, repo.repository);
    r.forgotten.get(digest)?.delete(repo.repository);
  }

  /** Forgets that `repo` holds `digest` (a mount from it was refused). */
  forget(digest: Digest, repo: Repo): void {
    const r = this.#of(repo.registry);
    for (const seen of [r.seen, r.learned]) {
      const left = (seen.get(digest) ?? []).filter((x) => x !== repo.repository);
      if (left.length) seen.set(digest, left);
      else seen.delete(digest);
    }
    const set = r.forgotten.get(digest) ?? new Set();
    set.add(repo.repository);
    r.forgotten.set(digest, set);
  }

  /** Whether `repo` is known to hold the blob (pushed, mounted or found there, or pulled from it). */
  holds(digest: Digest, repo: Repo): boolean {
    return this.#registries.get(repo.registry)?.seen.get(digest)?.includes(repo.repository) ?? false;
  }

  /** A repository of `registry` other than `exclude` known to hold the blob, the most recently seen. */
  on(digest: Digest, registry: string, exclude: string): string | undefined {
    return this.#registries
      .get(registry)
      ?.seen.get(digest)
      ?.find((r) => r !== exclude);
  }

  /**
   * Writes what this process learned into each registry's file, over what is there now (another process may have
   * saved since this one loaded), keeping the newest MAX_BLOBS. A failure to save is ignored: it is a hint cache.
   */
  async save(): Promise<void> {
    const dir = this.#dir;
    if (!dir) return;
    let wrote = false;
    for (const [registry, r] of this.#registries) {
      if (r.learned.size === 0 && r.forgotten.size === 0) continue;
      const path = join(dir, fileName(registry));
      const seen = parse(await readFile(path, 'utf8').catch(() => ''));
      for (const [digest, repos] of r.forgotten) {
        const left = (seen.get(digest) ?? []).filter((x) => !repos.has(x));
        if (left.length) seen.set(digest, left);
        else seen.delete(digest);
      }
      for (const [digest, repos] of r.learned) {
        for (const repo of [...repos].reverse()) add(seen, digest, repo);
      }
      const kept = [...seen].slice(-MAX_BLOBS);
      const text = JSON.stringify({ registry, blobs: Object.fromEntries(kept) });
      await writeFileAtomic(path, text, 0o600).then(
        () => (wrote = true),
        () => undefined,
      );
      r.learned.clear();
      r.forgotten.clear();
    }
    if (wrote) await trimFiles(dir);
  }
}

/** Keeps the MAX_FILES most recently written registry files of `dir`. */
async function trimFiles(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  if (names.length <= MAX_FILES) return;
  const files = await Promise.all(
    names.map(async (name) => ({
      name,
      mtime: (await stat(join(dir, name)).catch(() => undefined))?.mtimeMs ?? 0,
    })),
  );
  files.sort((a, b) => b.mtime - a.mtime);
  for (const f of files.slice(MAX_FILES)) await rm(join(dir, f.name), { force: true }).catch(() => undefined);
}

/** The process's blob origins (memory only until the CLI names its cache directory). */
export const blobOrigins = new BlobOrigins();

/** Remembers that a blob is in `repo` (pulled from it, or pushed there). */
export function rememberBlobOrigin(digest: Digest, repo: Repo): void {
  blobOrigins.remember(digest, repo);
}
