import { readdir, readFile, stat } from 'node:fs/promises';
import { join, posix, relative, resolve, sep } from 'node:path';
import { MinnowError } from '../errors.js';

/** What a Dockerfile needs to know about a Go module: its path, the Go it asks for, and what to copy first. */
export interface GoModuleInfo {
  /** Absolute directory holding go.mod. */
  dir: string;
  /** The `module` path. */
  path: string;
  /** The `go` line's version (`1.21`, `1.22.3`). */
  goVersion: string;
  /** The `toolchain` line's version without its `go` prefix (`1.22.3`), when present. */
  toolchain?: string;
  /** True when go.sum exists (so it is copied with go.mod before `go mod download`). */
  hasGoSum: boolean;
  /** True when vendor/modules.txt exists (modules come from the source tree, nothing to download). */
  vendored: boolean;
}

const VERSION = /^\d+\.\d+(\.\d+)?((rc|beta)\d+)?$/;

/** Parses go.mod's `module`, `go` and `toolchain` lines. Throws NOT_A_MODULE when the text has no module line. */
export function parseGoMod(
  text: string,
  subject = 'go.mod',
): Omit<GoModuleInfo, 'dir' | 'hasGoSum' | 'vendored'> {
  let path: string | undefined;
  let goVersion: string | undefined;
  let toolchain: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    const m = /^(module|go|toolchain)\s+(.+)$/.exec(line);
    if (!m) continue;
    const value = m[2]!.trim().replace(/^"(.*)"$/, '$1');
    if (m[1] === 'module') path = value;
    else if (m[1] === 'go') goVersion = value;
    else toolchain = value;
  }
  if (!path) throw new MinnowError('NOT_A_MODULE', `${subject} has no module line`, { subject });
  if (!/^[\w.~/+-]+$/.test(path)) {
    throw new MinnowError('INVALID_ARGUMENT', `${subject}: invalid module path "${path}"`, { subject });
  }
  if (goVersion !== undefined && !VERSION.test(goVersion)) {
    throw new MinnowError('INVALID_ARGUMENT', `${subject}: invalid go version "${goVersion}"`, { subject });
  }
  if (toolchain !== undefined) {
    const v = toolchain.replace(/^go/, '').replace(/\+auto$/, '');
    if (toolchain === 'default' || toolchain === 'local') toolchain = undefined;
    else if (!VERSION.test(v)) {
      throw new MinnowError('INVALID_ARGUMENT', `${subject}: invalid toolchain "${toolchain}"`, { subject });
    } else toolchain = v;
  }
  // A go.mod without a go line means Go 1.16 semantics; any current toolchain builds it.
  return { path, goVersion: goVersion ?? '1.16', ...(toolchain ? { toolchain } : {}) };
}

/**
 * The Go version a builder image should be pinned to: the toolchain line's when present (it names an exact
 * release), else the go line's (the minimum the module accepts; `golang:1.21` carries the latest 1.21.x).
 */
export function builderGoVersion(mod: Pick<GoModuleInfo, 'goVersion' | 'toolchain'>): string {
  return mod.toolchain ?? mod.goVersion;
}

const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );

/** Reads the module at `dir` (the directory holding go.mod). */
export async function readGoModule(dir: string): Promise<GoModuleInfo> {
  const abs = resolve(dir);
  const file = join(abs, 'go.mod');
  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    throw new MinnowError('NOT_A_MODULE', `no go.mod in ${abs}`, {
      subject: abs,
      cause: err,
      hint: 'run minnow in the directory holding go.mod, or run `go mod init` first',
    });
  });
  return {
    dir: abs,
    ...parseGoMod(text, file),
    hasGoSum: await exists(join(abs, 'go.sum')),
    vendored: await exists(join(abs, 'vendor', 'modules.txt')),
  };
}

/** A main package inside a module: how `go build` names it and what the binary is called. */
export interface MainPackage {
  /** Relative package path for `go build` inside the module (`.`, `./cmd/server`). */
  buildPath: string;
  /** Binary name: the package directory's name, or the module path's last element for the root. */
  binary: string;
}

/**
 * Resolves `pkg` (`.`, `./cmd/server`, `cmd/server` or `<module>/cmd/server`) to a directory inside the module
 * and checks that it holds a `package main`. Refuses paths that leave the module.
 */
export async function findMainPackage(mod: GoModuleInfo, pkg = '.'): Promise<MainPackage> {
  let rel = pkg;
  if (rel === mod.path) rel = '.';
  else if (rel.startsWith(`${mod.path}/`)) rel = rel.slice(mod.path.length + 1);
  const dir = resolve(mod.dir, rel);
  const inside = relative(mod.dir, dir);
  if (inside.startsWith('..') || resolve(inside) === inside) {
    throw new MinnowError('INVALID_ARGUMENT', `package ${pkg} is outside the module at ${mod.dir}`, {
      subject: pkg,
    });
  }
  const entries = await readdir(dir).catch((err: unknown) => {
    throw new MinnowError('NOT_FOUND', `no package directory ${dir}`, { subject: pkg, cause: err });
  });
  const sources = entries.filter((f) => f.endsWith('.go') && !f.endsWith('_test.go'));
  let isMain = false;
  for (const f of sources) {
    const text = await readFile(join(dir, f), 'utf8');
    if (/^package\s+main\b/m.test(stripComments(text))) {
      isMain = true;
      break;
    }
  }
  if (!isMain) {
    throw new MinnowError('NO_MAIN_PACKAGE', `${pkg} is not a main package (no "package main" in ${dir})`, {
      subject: pkg,
      hint: 'pass the directory of the command to build, for example ./cmd/server',
    });
  }
  const relPosix = inside.split(sep).join(posix.sep);
  const buildPath = relPosix === '' ? '.' : `./${relPosix}`;
  const binary = relPosix === '' ? moduleBinaryName(mod.path) : posix.basename(relPosix);
  return { buildPath, binary: safeName(binary) };
}

/** What `go build` names the root package's binary: the module path's last element, skipping a `/vN` suffix. */
function moduleBinaryName(path: string): string {
  const parts = path.split('/');
  const last = parts.pop() ?? 'app';
  return /^v\d+$/.test(last) && parts.length > 0 ? (parts.pop() ?? last) : last;
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}

/** A file name safe to use unquoted in a Dockerfile path: letters, digits, dot, dash, underscore. */
function safeName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[.-]+/, '');
  return cleaned === '' ? 'app' : cleaned;
}
