import { readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readGoBuildId } from '../go/build-id.js';
import { writeFileAtomic } from '../util/atomic.js';

/**
 * When a rebuild's gzip helper starts. A worker takes ~70-100 ms of a CPU to start; started with the app layer,
 * after Go, it was ready only once this thread had compressed most of a hello layer alone (after a one-line edit
 * ~3.5 MB of 5.8 MB are new chunks). Started while Go still runs, it is ready when Go is done. But a rebuild may be
 * a no-op (Go finds the binaries up to date and nothing is compressed), where a helper is CPU taken from Go for
 * nothing. So it starts once Go has run clearly longer than it took, last time, to find this build up to date:
 * then Go is compiling and linking, and the layer will be new.
 */

/** Where the time of the last up-to-date check is kept, in the build's work directory. */
const RECORD = '.go-up-to-date.json';
/** Until a no-op has been seen: hello's up-to-date check takes ~150 ms on 2 CPUs, its edits ~450 ms. */
const DEFAULT_DELAY_MS = 200;

/**
 * The binaries in `dirs` as a string that changes when Go writes another binary: names, sizes and Go build IDs
 * (a hash of the content: go/build-id.ts). Not the mtime: Go touches a binary it finds up to date.
 */
async function binariesState(dirs: string[]): Promise<string> {
  const parts = await Promise.all(
    dirs.map(async (dir) => {
      const names = await readdir(dir).catch(() => undefined);
      if (!names) return `${dir} -`;
      const files = await Promise.all(
        names.sort().map(async (name) => {
          const path = join(dir, name);
          const [info, id] = await Promise.all([
            stat(path).catch(() => undefined),
            readGoBuildId(path).catch(() => undefined),
          ]);
          // Without a build ID (not Go's ELF), the mtime is all there is to go by.
          return `${path} ${info?.size ?? '-'} ${id ?? info?.mtimeMs ?? '-'}`;
        }),
      );
      return files.join('\n');
    }),
  );
  return parts.join('\n');
}

function upToDateMs(work: string): number | undefined {
  try {
    const { ms } = JSON.parse(readFileSync(join(work, RECORD), 'utf8')) as { ms?: unknown };
    return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : undefined;
  } catch {
    return undefined;
  }
}

export interface HelperHeadStartOptions {
  /** The build's work directory (build/workdir.ts). */
  work: string;
  /** Where Go writes each platform's binaries. */
  binDirs: string[];
  /** Settles once every go build has started. */
  spawned: Promise<unknown>;
  /** Fulfils once every go build has succeeded; rejects when one fails (nothing is then kept). */
  compiled: Promise<unknown>;
  /** Starts the helper (GzipPool.prestart). */
  start: () => void;
}

/**
 * Starts the helper (`start`) once the go builds of a rebuild have run longer than its last up-to-date check
 * (1.5 times it, plus 50 ms), and, when they find the binaries up to date, keeps how long that took. Call it in
 * the same turn as the go builds are started, before Go can have written anything. Settles once that is kept
 * (never rejects): the build waits for it, so no write is left half done when the process exits.
 */
export function startHelperWhenRelinking(options: HelperHeadStartOptions): Promise<void> {
  // Read at once: Go writes a binary only at the end of its link, long after this.
  const before = binariesState(options.binDirs);
  const known = upToDateMs(options.work);
  const delay = known === undefined ? DEFAULT_DELAY_MS : Math.round(1.5 * known + 50);
  let timer: NodeJS.Timeout | undefined;
  let began = 0;
  void options.spawned.then(() => {
    began = performance.now();
    timer = setTimeout(options.start, delay);
    // Never what keeps the process alive.
    timer.unref();
  });
  return options.compiled.then(
    async () => {
      clearTimeout(timer);
      if (!began || (await binariesState(options.binDirs)) !== (await before)) return;
      const ms = Math.round(performance.now() - began);
      // Only a hint: a record that cannot be written costs a helper started early or late, never a build.
      await writeFileAtomic(join(options.work, RECORD), JSON.stringify({ ms })).catch(() => undefined);
    },
    () => clearTimeout(timer),
  );
}
