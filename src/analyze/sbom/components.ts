import { spdxExpression } from '../licenses.js';
import type { GoBinary, ImageAnalysis, OsPackage } from '../types.js';
import { cpe, goModuleCpe } from './cpe.js';
import { apkPurl, debPurl, golangPurl, golangStdlibPurl } from './purl.js';
import { GO_AUTHORS, goModuleSupplier, maintainerSupplier, type Supplier } from './supplier.js';

/** One software component of an image, the common ground of SPDX and CycloneDX output. */
export interface SbomComponent {
  kind: 'go-module' | 'go-main' | 'go-stdlib' | 'apk' | 'deb';
  name: string;
  version: string;
  purl: string;
  /** CPE 2.3 name, for scanners that match on CPE. */
  cpe: string;
  /** Who supplies it: the package's maintainer, the Go module's publisher. Absent when nothing says. */
  supplier?: Supplier;
  /** A license as the package database states it (not necessarily an SPDX expression). */
  license?: string;
  /** The license as an SPDX expression, when every name in it is an SPDX ID. */
  spdxLicense?: string;
  /** Where in the image it was found (a binary, or the package database). */
  foundIn: string[];
  /** PURLs of the components it depends on (package dependencies; a Go program's modules and standard library). */
  dependsOn: string[];
}

const byPurl = (x: { purl: string }, y: { purl: string }): number =>
  x.purl < y.purl ? -1 : x.purl > y.purl ? 1 : 0;

/** Package dependencies resolved to the installed packages that satisfy them (by name, or by what they provide). */
function packageDependencies(packages: OsPackage[], purls: string[]): string[][] {
  const byName = new Map<string, string[]>();
  const provide = (name: string, purl: string): void => {
    const list = byName.get(name) ?? [];
    if (!list.includes(purl)) list.push(purl);
    byName.set(name, list);
  };
  packages.forEach((p, i) => {
    provide(`${p.type}:${p.name}`, purls[i]!);
    for (const what of p.provides ?? []) provide(`${p.type}:${what}`, purls[i]!);
  });
  return packages.map((p, i) => {
    const deps = (p.depends ?? []).flatMap((d) => byName.get(`${p.type}:${d}`) ?? []);
    return [...new Set(deps)].filter((d) => d !== purls[i]).sort();
  });
}

function osComponents(a: ImageAnalysis): SbomComponent[] {
  const distro = a.os?.id && a.os.versionId ? `${a.os.id}-${a.os.versionId}` : undefined;
  const purls = a.packages.map((p) => {
    const parts = {
      ...(p.arch ? { arch: p.arch } : {}),
      ...(distro ? { distro } : {}),
      ...(p.source ? { source: p.source } : {}),
      ...(p.sourceVersion ? { sourceVersion: p.sourceVersion } : {}),
    };
    return p.type === 'apk' ? apkPurl(p.name, p.version, parts) : debPurl(p.name, p.version, parts);
  });
  const deps = packageDependencies(a.packages, purls);
  return a.packages.map((p, i) => {
    const supplier = maintainerSupplier(p.maintainer, a.os?.id);
    const spdxLicense = p.license ? spdxExpression(p.license) : undefined;
    return {
      kind: p.type,
      name: p.name,
      version: p.version,
      purl: purls[i]!,
      cpe: cpe(p.name, p.name, p.version),
      ...(supplier ? { supplier } : {}),
      ...(p.license ? { license: p.license } : {}),
      ...(spdxLicense ? { spdxLicense } : {}),
      foundIn: [p.foundIn],
      dependsOn: deps[i]!,
    };
  });
}

/** Go's standard library, the main module and the dependency modules of one binary (replaced ones as what replaced them). */
function goComponents(b: GoBinary): SbomComponent[] {
  const { info } = b;
  const found = { foundIn: [b.path], dependsOn: [] as string[] };
  const modules: SbomComponent[] = info.deps.map((d) => {
    const m = d.replace && d.replace.version && d.replace.version !== '(devel)' ? d.replace : d;
    return {
      kind: 'go-module',
      name: m.path,
      version: m.version,
      purl: golangPurl(m.path, m.version || undefined),
      cpe: goModuleCpe(m.path, m.version),
      supplier: goModuleSupplier(m.path),
      ...found,
    };
  });
  if (info.goVersion && info.goVersion !== 'unknown') {
    const version = info.goVersion.replace(/^go/, '');
    modules.push({
      kind: 'go-stdlib',
      name: 'stdlib',
      version: info.goVersion,
      purl: golangStdlibPurl(info.goVersion),
      cpe: cpe('golang', 'go', version),
      supplier: GO_AUTHORS,
      ...found,
    });
  }
  if (!info.main?.path) return modules;
  const v = info.main.version && info.main.version !== '(devel)' ? info.main.version : '';
  const main: SbomComponent = {
    kind: 'go-main',
    name: info.main.path,
    version: v || '(devel)',
    purl: golangPurl(info.main.path, v || undefined),
    cpe: goModuleCpe(info.main.path, v),
    supplier: goModuleSupplier(info.main.path),
    foundIn: [b.path],
    dependsOn: modules.map((m) => m.purl).sort(),
  };
  return [main, ...modules];
}

/**
 * Every component the analysis found: OS packages (apk, deb) with what they depend on and, for each Go binary,
 * its main module depending on Go's standard library and its dependency modules. Deduplicated by PURL (where it
 * was found and what it depends on merged), in a stable order.
 */
export function sbomComponents(a: ImageAnalysis): SbomComponent[] {
  const merged = new Map<string, SbomComponent>();
  for (const c of [...osComponents(a), ...a.goBinaries.flatMap(goComponents)]) {
    const seen = merged.get(c.purl);
    if (!seen) {
      merged.set(c.purl, { ...c, foundIn: [...c.foundIn], dependsOn: [...c.dependsOn] });
      continue;
    }
    for (const f of c.foundIn) if (!seen.foundIn.includes(f)) seen.foundIn.push(f);
    for (const d of c.dependsOn) if (!seen.dependsOn.includes(d)) seen.dependsOn.push(d);
    seen.dependsOn.sort();
  }
  return [...merged.values()].sort(byPurl);
}
