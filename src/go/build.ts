import { rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MinnowError } from '../errors.js';
import { tempPathFor } from '../util/atomic.js';
import { findCgoPackage, type ListOptions } from './list.js';
import { runGoBuild } from './head-start.js';
import { runGo } from './run-go.js';
import { makeDirs } from '../util/make-dirs.js';

/**
 * The linker flags every minnow build uses: no symbol table or DWARF. The Go build ID stays: with -trimpath it is a
 * content hash (the same in any directory, with any GOCACHE, for one Go release), and it is what lets `go build`
 * see that the binary it left in minnow's work dir is up to date and skip the link (docs/reproducible.md).
 */
export const BASE_LDFLAGS = '-s -w';

export interface GoBuildOptions extends ListOptions {
  /** Import path (or ./dir) of the main package. */
  pkg: string;
  /** Where the binary goes (written to a temp path and renamed). */
  output: string;
  /** Appended after `-s -w`. */
  ldflags?: string;
  tags?: string[];
  /**
   * Build the way the seed article does (`CGO_ENABLED=0 go build -o main .`: no -trimpath, no -ldflags, symbol
   * table and DWARF kept), for comparison. Default false.
   */
  articleStyle?: boolean;
  /**
   * Build for a debugger (`--debug`): no optimizations or inlining (`-gcflags=all=-N -l`) and not stripped, so
   * Delve sees every variable and line. Default false.
   */
  debug?: boolean;
}

/** What `--debug` gives the compiler: no optimizations, no inlining, in every package. */
export const DEBUG_GCFLAGS = '-gcflags=all=-N -l';

/** The `go build` arguments minnow uses, exported so benchmarks and docs run exactly the same command. */
export function goBuildArgs(
  options: Pick<GoBuildOptions, 'pkg' | 'output' | 'ldflags' | 'tags' | 'articleStyle' | 'debug'>,
): string[] {
  if (options.articleStyle) {
    return [
      'build',
      ...(options.tags?.length ? [`-tags=${options.tags.join(',')}`] : []),
      '-o',
      options.output,
      options.pkg,
    ];
  }
  // A debug build keeps the symbol table and DWARF Delve reads.
  const ldflags = [options.debug ? '' : BASE_LDFLAGS, options.ldflags ?? ''].join(' ').trim();
  return [
    'build',
    '-trimpath',
    ...(options.debug ? [DEBUG_GCFLAGS] : []),
    ...(ldflags ? [`-ldflags=${ldflags}`] : []),
    ...(options.tags?.length ? [`-tags=${options.tags.join(',')}`] : []),
    '-o',
    options.output,
    options.pkg,
  ];
}

export interface GoBuildIntoOptions extends ListOptions {
  /** Package patterns; every main package among them becomes `<outDir>/<name>`. */
  packages: string[];
  /** A directory only this build uses. */
  outDir: string;
  ldflags?: string;
  tags?: string[];
  /** Extra `go build` arguments, before minnow's own (so -trimpath and the stripping ldflags stay). */
  flags?: string[];
  /** Build for a debugger: see `GoBuildOptions.debug`. */
  debug?: boolean;
  /** Called once go is started. */
  onSpawn?: () => void;
}

/**
 * Builds every main package of `packages` into `outDir` with one `go build -o <outDir>/` (so it can start before
 * `go list` has named the packages, and the two run side by side). Keep `outDir` between builds: a binary there
 * whose build ID matches what Go would link is left as it is (no link, file untouched). Throws GO_BUILD_FAILED or CGO_REQUIRED as
 * `goBuild` does.
 */
export async function goBuildInto(options: GoBuildIntoOptions): Promise<void> {
  await makeDirs(options.outDir);
  const args = goBuildArgs({ ...options, pkg: '', output: `${options.outDir}/` });
  args.pop();
  args.splice(1, 0, ...(options.flags ?? []));
  const run = await runGoBuild(options.go, [...args, ...options.packages], {
    cwd: options.dir,
    env: options.env,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
  });
  if (run.code !== 0) throw await buildFailure(run.stderr, options.packages.join(' '), options);
}

async function buildFailure(stderr: string, what: string, options: ListOptions): Promise<MinnowError> {
  const output = stderr.trim();
  const failing = [...output.matchAll(/^# (\S+)/gm)].map((m) => m[1] as string);
  const cgo = await findCgoPackage(
    failing.map((p) => ({ importPath: p, chain: [p] })),
    options,
  );
  return (
    cgo ??
    new MinnowError('GO_BUILD_FAILED', `go build ${failing[0] ?? what} failed: ${firstError(output)}`, {
      subject: failing[0] ?? what,
      details: { output },
    })
  );
}

/** The first line of compiler output that says what is wrong (skips `# pkg` headers). */
function firstError(output: string): string {
  const lines = output.split('\n').map((l) => l.trim());
  return lines.find((l) => l && !l.startsWith('#') && !l.startsWith('go: downloading')) ?? 'go build failed';
}

/**
 * Builds one static binary: `CGO_ENABLED=0 go build -trimpath -ldflags="-s -w <ldflags>"` with the
 * environment `options.env` (the user's Go cache stays in use). On failure throws GO_BUILD_FAILED whose
 * `details.output` is the compiler's full output, or CGO_REQUIRED when the failing package needs cgo.
 */
export async function goBuild(options: GoBuildOptions): Promise<{ path: string; size: number }> {
  await makeDirs(dirname(options.output));
  const tmp = tempPathFor(options.output);
  try {
    const run = await runGo(options.go, goBuildArgs({ ...options, output: tmp }), {
      cwd: options.dir,
      env: options.env,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (run.code !== 0) throw await buildFailure(run.stderr, options.pkg, options);
    await rename(tmp, options.output);
    const info = await stat(options.output);
    return { path: options.output, size: info.size };
  } finally {
    await rm(tmp, { force: true });
  }
}
