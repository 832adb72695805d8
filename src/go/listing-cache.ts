import { open, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import type { ListOptions, MainPackage } from './list.js';

/**
 * The quick listing of a build's main packages, kept beside its binaries and used again while nothing it was
 * made from has changed: a rebuild then starts `go build` alone, without a `go list` taking CPU from it on a
 * small machine (about 20 ms of a hello rebuild's wall time on two cores).
 *
 * What a `go list -find` answer for local directories depends on, and so what the fingerprint holds: the go
 * command (path, size, mtime), the Go environment (GOOS, GOFLAGS, build tags…), the patterns, and for each
 * package directory its .go files (each name, and its text up to the package clause: build constraints and the
 * package name) and every go.mod and go.work from it up to the root (where Go looks for them). An edit to a
 * function body keeps the fingerprint; a file added, removed or renamed, a new constraint or package name does
 * not. (A file that starts importing "C" is left out of a CGO_ENABLED=0 build: go build then fails, and the full
 * listing that explains a failed build names the cgo package.) Patterns with `...` or naming import
 * paths are listed every time, and so is a build with `-modfile` in GOFLAGS (its go.mod is elsewhere).
 */

interface Stored {
  v: 1;
  fingerprint: string;
  mains: MainPackage[];
}

const FILE = 'listing.json';

/** Local directory patterns only (`.`, `./cmd/x`, `../y`, `/abs`): the directories they name. */
function patternDirs(patterns: string[], dir: string): string[] | undefined {
  const local = (p: string): boolean =>
    p === '.' || p === '..' || p.startsWith('./') || p.startsWith('../') || isAbsolute(p);
  if (patterns.some((p) => p.includes('...') || !local(p))) return undefined;
  return patterns.map((p) => resolve(dir, p));
}

async function fileState(path: string): Promise<string> {
  const s = await stat(path, { bigint: true }).catch(() => undefined);
  return s?.isFile() ? `${s.size}:${s.mtimeNs}:${s.ino}` : '-';
}

/** Every go.mod and go.work at or above `dir`. */
async function moduleFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (let cur = dir; ; cur = dirname(cur)) {
    out.push(`${cur} ${await fileState(join(cur, 'go.mod'))} ${await fileState(join(cur, 'go.work'))}`);
    if (dirname(cur) === cur) return out;
  }
}

/** How far into a .go file its package clause is looked for (licence headers can be long). */
const HEADER_BYTES = 64 * 1024;

/**
 * A Go file's text up to and including its package clause: its build constraints (which must come before it)
 * and its package name, which is all a `-find` listing reads of it; an edit below it changes none of that.
 * Undefined when the clause is not found in the first HEADER_BYTES (or the file cannot be read).
 */
export function packageHeader(text: string): string | undefined {
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\ufeff') i++;
    else if (text.startsWith('//', i)) {
      const end = text.indexOf('\n', i);
      if (end < 0) return undefined;
      i = end + 1;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return undefined;
      i = end + 2;
    } else break;
  }
  const clause = /^package[ \t]+([\p{L}_][\p{L}\p{N}_]*)/u.exec(text.slice(i, i + 1024));
  return clause ? text.slice(0, i + clause[0].length) : undefined;
}

async function goFiles(dir: string): Promise<string[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.go')).sort();
  return Promise.all(
    names.map(async (n) => {
      const path = join(dir, n);
      const head = await readHead(path);
      const header = head === undefined ? undefined : packageHeader(head);
      // Without a clause found, the whole file counts: any change to it lists again.
      return `${n} ${header === undefined ? await fileState(path) : JSON.stringify(header)}`;
    }),
  );
}

async function readHead(path: string): Promise<string | undefined> {
  const file = await open(path, 'r').catch(() => undefined);
  if (!file) return undefined;
  try {
    const buf = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await file.read(buf, 0, HEADER_BYTES, 0);
    return buf.toString('utf8', 0, bytesRead);
  } catch {
    return undefined;
  } finally {
    await file.close();
  }
}

async function fingerprint(dirs: string[], options: ListOptions, patterns: string[]): Promise<string> {
  const env = Object.entries(options.env)
    .filter(([k]) => k.startsWith('GO') || k.startsWith('CGO_'))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  // Go looks for go.mod and go.work from the working directory and from each package's; `.` is both.
  const starts = [...new Set([resolve(options.dir), ...dirs])];
  const parts = await Promise.all([fileState(options.go), ...starts.map(moduleFiles), ...dirs.map(goFiles)]);
  return JSON.stringify([options.go, options.dir, patterns, env, parts]);
}

function isStored(v: unknown): v is Stored {
  const s = v as Partial<Stored> | null;
  return (
    !!s && s.v === 1 && typeof s.fingerprint === 'string' && Array.isArray(s.mains) && s.mains.length > 0
  );
}

/**
 * The main packages `list` finds for `patterns`, from `<workDir>/listing.json` when its fingerprint still holds,
 * else from `list` (and then kept there). The fingerprint is taken before listing: a file changed while `go
 * list` ran gives the next build another fingerprint, so it lists again.
 */
export async function cachedMainPackages(
  workDir: string,
  patterns: string[],
  options: ListOptions,
  list: () => Promise<MainPackage[]>,
): Promise<MainPackage[]> {
  const dirs = patternDirs(patterns, options.dir);
  if (!dirs || /(^|\s)-?-modfile\b/.test(options.env.GOFLAGS ?? '')) return list();
  const path = join(workDir, FILE);
  const [now, stored] = await Promise.all([
    fingerprint(dirs, options, patterns),
    readFile(path, 'utf8')
      .then((text) => JSON.parse(text) as unknown)
      .catch(() => undefined),
  ]);
  if (isStored(stored) && stored.fingerprint === now) return stored.mains;
  const mains = await list();
  // Only an optimization: a failure to keep it means listing again next time.
  await writeFileAtomic(path, JSON.stringify({ v: 1, fingerprint: now, mains } satisfies Stored)).catch(
    () => undefined,
  );
  return mains;
}
