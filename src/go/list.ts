import { MinnowError } from '../errors.js';
import { parseJsonStream, runGo } from './run-go.js';

/** What minnow needs to know of a Go package (a subset of `go list -json`). */
export interface GoPackage {
  ImportPath: string;
  Name: string;
  Dir: string;
  Module?: {
    Path: string;
    Dir?: string;
    GoMod?: string;
    GoVersion?: string;
    Main?: boolean;
    Version?: string;
  };
  Deps?: string[];
  CgoFiles?: string[];
  Standard?: boolean;
  Error?: { Err: string };
  DepsErrors?: { ImportStack?: string[]; Err: string }[];
}

export interface ListOptions {
  go: string;
  dir: string;
  /** Environment from `goEnvironment` (CGO_ENABLED=0 and the target platform). */
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

const FIELDS = 'ImportPath,Name,Dir,Module,Deps,CgoFiles,Standard,Error,DepsErrors';
/**
 * What a `-find` listing asks for: the named packages alone, their imports not loaded. For a large program this
 * is a third of the CPU (0.19 → 0.05 s user for Helm), taken while `go build` wants both cores.
 */
const FIND_FIELDS = 'ImportPath,Name,Dir,Module,Error';

/** Turns the go command's own failures (no module, toolchain missing) into minnow errors. */
function goCommandError(stderr: string, dir: string): MinnowError {
  const text = stderr.trim();
  if (/go\.mod file not found|cannot find main module|not in a module/.test(text)) {
    return new MinnowError('NOT_A_MODULE', `${dir} is not in a Go module (no go.mod found)`, {
      subject: dir,
      hint: 'run `go mod init <module path>` there first',
    });
  }
  const toolchain = /cannot find "(go[0-9.a-z]+)" in PATH|requires go >= ([0-9.]+)/.exec(text);
  if (toolchain) {
    return new MinnowError(
      'GO_BUILD_FAILED',
      `the module needs ${toolchain[1] ?? `go ${toolchain[2]}`}, newer than the installed Go`,
      {
        subject: dir,
        hint: 'install it, or set GOTOOLCHAIN=auto to let go download it',
        details: { output: text },
      },
    );
  }
  if (/directory .* does not exist|no such file or directory/i.test(text)) {
    return new MinnowError('NOT_FOUND', `${dir}: ${text.split('\n')[0]}`, { subject: dir });
  }
  return new MinnowError('GO_BUILD_FAILED', `go list failed: ${text.split('\n')[0] ?? ''}`, {
    subject: dir,
    details: { output: text },
  });
}

/**
 * Runs `go list -e -json` on patterns and returns the packages they match (`deps`: their dependencies too;
 * `find`: without loading their imports, so no Deps or DepsErrors).
 */
export async function goList(
  patterns: string[],
  options: ListOptions,
  deps = false,
  find = false,
): Promise<GoPackage[]> {
  const args = [
    'list',
    '-e',
    ...(find ? ['-find', `-json=${FIND_FIELDS}`] : [`-json=${FIELDS}`]),
    ...(deps ? ['-deps'] : []),
    '--',
    ...patterns,
  ];
  const run = await runGo(options.go, args, { cwd: options.dir, env: options.env, signal: options.signal });
  if (run.code !== 0) throw goCommandError(run.stderr, options.dir);
  return parseJsonStream<GoPackage>(run.stdout);
}

/**
 * Names the package (and the import chain to it) that needs cgo, when one of `suspects` does: it has files that
 * `import "C"`, which CGO_ENABLED=0 leaves out. Returns undefined when none of them uses cgo.
 */
export async function findCgoPackage(
  suspects: { importPath: string; chain: string[] }[],
  options: ListOptions,
): Promise<MinnowError | undefined> {
  if (suspects.length === 0) return undefined;
  const withCgo = await goList(
    suspects.map((s) => s.importPath),
    { ...options, env: { ...options.env, CGO_ENABLED: '1' } },
  ).catch(() => []);
  for (const pkg of withCgo) {
    if (!pkg.CgoFiles?.length) continue;
    const chain = suspects.find((s) => s.importPath === pkg.ImportPath)?.chain ?? [];
    return new MinnowError(
      'CGO_REQUIRED',
      `package ${pkg.ImportPath} needs cgo (${pkg.CgoFiles.join(', ')} import "C"); minnow builds static binaries with CGO_ENABLED=0`,
      {
        subject: pkg.ImportPath,
        hint:
          chain.length > 1
            ? `imported through ${chain.join(' → ')}; use a pure-Go alternative`
            : 'use a pure-Go alternative',
      },
    );
  }
  return undefined;
}

/** A main package to build, as `go list` describes it. */
export interface MainPackage {
  importPath: string;
  /** The binary's name: the last element of the import path (as `go build` names it). */
  name: string;
  dir: string;
  module: string;
  moduleDir: string;
  goVersion?: string;
  /** Its dependencies' import paths; empty from a `quick` listing. */
  deps: string[];
}

export interface FindMainOptions {
  /**
   * Lists the named packages without loading their dependencies (`go list -find`): what a build needs to name
   * its binaries, and the errors of the packages themselves. A dependency that needs cgo is then found only when
   * `go build` fails: build/build.ts runs the full listing then, and its error wins.
   */
  quick?: boolean;
}

/**
 * Lists `patterns` in `dir` and returns the main packages to build. Throws NOT_A_MODULE, NO_MAIN_PACKAGE
 * (naming the package that is not main), or CGO_REQUIRED (naming the package that needs cgo). Other package
 * errors (syntax, type errors) are left for `go build`, whose output says more.
 */
export async function findMainPackages(
  patterns: string[],
  options: ListOptions,
  how: FindMainOptions = {},
): Promise<MainPackage[]> {
  const pkgs = await goList(patterns, options, false, how.quick ?? false);
  const suspects: { importPath: string; chain: string[] }[] = [];
  for (const p of pkgs) {
    if (p.Error && /build constraints exclude all Go files/.test(p.Error.Err)) {
      suspects.push({ importPath: p.ImportPath, chain: [p.ImportPath] });
    }
    for (const e of p.DepsErrors ?? []) {
      const stack = e.ImportStack ?? [];
      const last = stack[stack.length - 1];
      if (last && /build constraints exclude all Go files|undefined: C\b/.test(e.Err)) {
        suspects.push({ importPath: last, chain: stack });
      }
    }
  }
  const cgo = await findCgoPackage(suspects, options);
  if (cgo) throw cgo;
  const wildcard = patterns.some((p) => p.includes('...'));
  const mains: MainPackage[] = [];
  for (const p of pkgs) {
    if (p.Error && /no Go files|cannot find package|is not in std|no required module/.test(p.Error.Err)) {
      throw new MinnowError('NO_MAIN_PACKAGE', `${p.ImportPath}: ${p.Error.Err.split('\n')[0]}`, {
        subject: p.ImportPath,
        hint: 'point minnow at the directory that holds `package main`',
      });
    }
    if (p.Name !== 'main') {
      if (wildcard || p.Error) continue;
      throw new MinnowError('NO_MAIN_PACKAGE', `${p.ImportPath} is package ${p.Name}, not a main package`, {
        subject: p.ImportPath,
        hint: 'point minnow at the directory that holds `package main`, e.g. ./cmd/app',
      });
    }
    if (!p.Module) {
      throw new MinnowError('NOT_A_MODULE', `${p.ImportPath} is not in a Go module`, { subject: p.Dir });
    }
    mains.push({
      importPath: p.ImportPath,
      name: binaryName(p.ImportPath),
      dir: p.Dir,
      module: p.Module.Path,
      moduleDir: p.Module.Dir ?? p.Dir,
      ...(p.Module.GoVersion ? { goVersion: p.Module.GoVersion } : {}),
      deps: p.Deps ?? [],
    });
  }
  if (mains.length === 0) {
    throw new MinnowError('NO_MAIN_PACKAGE', `no main package matches ${patterns.join(' ')}`, {
      subject: options.dir,
      hint: 'point minnow at the directory that holds `package main`',
    });
  }
  const names = new Set<string>();
  for (const m of mains) {
    if (names.has(m.name)) {
      throw new MinnowError('INVALID_ARGUMENT', `two main packages would both be /app/${m.name}`, {
        subject: m.importPath,
      });
    }
    names.add(m.name);
  }
  return mains;
}

/** `go build`'s name for a main package's binary: the last path element, without a major-version suffix. */
export function binaryName(importPath: string): string {
  const parts = importPath.split('/');
  let last = parts[parts.length - 1] ?? importPath;
  if (/^v[0-9]+$/.test(last) && parts.length > 1) last = parts[parts.length - 2] ?? last;
  return last;
}
