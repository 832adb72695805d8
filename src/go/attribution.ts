import { bufferSource, ElfFile, type RandomAccess } from './elf.js';
import { readBuildInfo, type GoBuildInfo } from './buildinfo.js';
import { parsePclntab, type PclnFunc } from './pclntab.js';
import { packageOfSymbol } from './symbol-package.js';

export { packageOfSymbol };

/**
 * What a Go binary's bytes are, by kind: machine code, read-only data, type and interface tables, the pclntab
 * (function names and pc tables the runtime keeps for stack traces), writable data, and the rest (ELF headers,
 * section alignment, small sections).
 */
export type SizeKind = 'code' | 'rodata' | 'types' | 'pclntab' | 'data' | 'other';

/** The kinds in the order reports show them. */
export const SIZE_KINDS: readonly SizeKind[] = ['code', 'rodata', 'types', 'pclntab', 'data', 'other'];

/** Bytes of one Go package (or of a module: the sum of its packages). */
export interface PackageSize {
  /** Import path (`net/http`); `(no package)` for functions named without one (assembly helpers). */
  path: string;
  /** Module path, `std` for the standard library, `(linker)` for code the linker generates. */
  module: string;
  /** Machine code of its functions, as the linker sized them. */
  code: number;
  /** The pclntab bytes only its functions use (records, names, pc tables). */
  pclntab: number;
  functions: number;
}

export interface ModuleSize extends Omit<PackageSize, 'module' | 'path'> {
  path: string;
  /** The version the build info records (`(devel)` for the main module); absent for std and the linker. */
  version?: string;
  packages: number;
}

/**
 * Bytes of a Go binary, from what a stripped binary keeps (section headers, pclntab, build info). `kinds` add up
 * to `fileSize`; of them, `attributed` bytes belong to packages (code and pclntab) and the rest is not split by
 * package: it is shown as `unattributed`, never hidden.
 */
export interface BinaryAttribution {
  fileSize: number;
  kinds: Record<SizeKind, number>;
  /** Bytes of machine code outside every Go function: cgo and other non-Go code (alignment padding excluded). */
  nonGoCode: number;
  /** Alignment padding between functions. */
  codePadding: number;
  /** Sum of `code` and `pclntab` over packages. */
  attributed: number;
  /** `fileSize - attributed`. */
  unattributed: number;
  /** Largest first. */
  modules: ModuleSize[];
  /** Largest first. */
  packages: PackageSize[];
}

/** Sections by kind; every other section (and what lies between them) is `other`. */
const SECTION_KINDS: Record<string, SizeKind> = {
  '.text': 'code',
  '.rodata': 'rodata',
  '.typelink': 'types',
  '.itablink': 'types',
  '.gopclntab': 'pclntab',
  '.noptrdata': 'data',
  '.data': 'data',
  '.data.rel.ro': 'data',
  '.go.buildinfo': 'data',
};

const SHT_NOBITS = 8;
/** A gap between functions up to this size is alignment padding; a larger one is code the pclntab does not know. */
const MAX_PADDING = 64;

/** The module a package belongs to: the longest module path it lies in, else `std` for the standard library. */
export function moduleOfPackage(pkg: string, modulePaths: readonly string[]): string {
  if (pkg === '(linker)' || pkg === '(no package)') return pkg;
  let best: string | undefined;
  for (const m of modulePaths) {
    if ((pkg === m || pkg.startsWith(`${m}/`)) && (!best || m.length > best.length)) best = m;
  }
  if (best) return best;
  const first = pkg.split('/')[0] ?? '';
  // The standard library's paths have no dot in their first element (and vendored x/ packages live under vendor/).
  return first.includes('.') && !pkg.startsWith('vendor/') ? pkg : 'std';
}

/** Module paths of a build, the main module's included, replaced ones under their original path. */
export function modulePathsOf(info: GoBuildInfo | undefined): string[] {
  if (!info) return [];
  return [...(info.main ? [info.main.path] : []), ...info.deps.map((d) => d.path)].filter(Boolean);
}

/** Names the package and module of each symbol of one binary: `(symbol) => { path, module }`. */
export function symbolClassifier(
  info: GoBuildInfo | undefined,
): (symbol: string) => { path: string; module: string } {
  const classify = packageClassifier(info);
  return (symbol) => classify(packageOfSymbol(symbol));
}

/** Names the package and module of each package of one binary, `main` under its import path. */
function packageClassifier(info: GoBuildInfo | undefined): (pkg: string) => { path: string; module: string } {
  const paths = modulePathsOf(info);
  const modules = new Map<string, string>();
  // Symbols of the main package are named `main.`: report it under its import path, in the main module.
  const mainPath = info?.path && info.path !== 'command-line-arguments' ? info.path : 'main';
  const mainModule = info?.main?.path ?? mainPath;
  return (pkg) => {
    if (pkg === 'main') return { path: mainPath, module: mainModule };
    let module = modules.get(pkg);
    if (module === undefined) {
      module = moduleOfPackage(pkg, paths);
      modules.set(pkg, module);
    }
    return { path: pkg, module };
  };
}

/**
 * Attributes the bytes of a Go ELF binary (stripped or not) to kinds, modules and packages. `info` is the build
 * info when the caller has it already; it is read from the binary otherwise.
 */
export async function attributeBinary(
  source: Buffer | RandomAccess,
  info?: GoBuildInfo,
): Promise<BinaryAttribution> {
  const src = Buffer.isBuffer(source) ? bufferSource(source) : source;
  const elf = await ElfFile.open(src);
  const buildInfo = info ?? (await readBuildInfo(src));
  const kinds: Record<SizeKind, number> = { code: 0, rodata: 0, types: 0, pclntab: 0, data: 0, other: 0 };
  for (const s of elf.sections) {
    const kind = SECTION_KINDS[s.name];
    if (kind && s.type !== SHT_NOBITS) kinds[kind] += s.size;
  }
  kinds.other = src.size - (kinds.code + kinds.rodata + kinds.types + kinds.pclntab + kinds.data);

  const pcln = elf.section('.gopclntab');
  const text = elf.section('.text');
  const funcs = pcln
    ? parsePclntab(await src.read(pcln.offset, pcln.size), elf.header.littleEndian).funcs
    : [];
  const classify = packageClassifier(buildInfo);
  const byPackage = new Map<string, PackageSize>();
  let codePadding = 0;
  let covered = 0;
  funcs.forEach((f: PclnFunc, i) => {
    const { path, module } = classify(f.pkg);
    let p = byPackage.get(path);
    if (!p) {
      p = { path, module, code: 0, pclntab: 0, functions: 0 };
      byPackage.set(path, p);
    }
    p.code += f.size;
    p.pclntab += f.tableBytes;
    p.functions++;
    const next = funcs[i + 1];
    const gap = next ? next.entry - f.entry - f.size : 0;
    covered += f.size;
    if (gap > 0 && gap <= MAX_PADDING) codePadding += gap;
  });
  const nonGoCode = Math.max(0, (text?.size ?? kinds.code) - covered - codePadding);
  const packages = [...byPackage.values()].sort(bySize);
  const versions = new Map<string, string>();
  if (buildInfo?.main) versions.set(buildInfo.main.path, buildInfo.main.version);
  for (const d of buildInfo?.deps ?? []) versions.set(d.path, d.replace?.version ?? d.version);
  const byModule = new Map<string, ModuleSize>();
  for (const p of packages) {
    let m = byModule.get(p.module);
    if (!m) {
      const version = versions.get(p.module);
      m = { path: p.module, ...(version ? { version } : {}), code: 0, pclntab: 0, functions: 0, packages: 0 };
      byModule.set(p.module, m);
    }
    m.code += p.code;
    m.pclntab += p.pclntab;
    m.functions += p.functions;
    m.packages++;
  }
  const attributed = packages.reduce((n, p) => n + p.code + p.pclntab, 0);
  return {
    fileSize: src.size,
    kinds,
    nonGoCode,
    codePadding,
    attributed,
    unattributed: src.size - attributed,
    modules: [...byModule.values()].sort(bySize),
    packages,
  };
}

function bySize(a: { code: number; pclntab: number; path: string }, b: typeof a): number {
  return b.code + b.pclntab - (a.code + a.pclntab) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}
