import type { ImageAnalysis } from '../types.js';
import { apkPurl, debPurl, golangPurl, golangStdlibPurl } from './purl.js';

/** One software component of an image, the common ground of SPDX and CycloneDX output. */
export interface SbomComponent {
  kind: 'go-module' | 'go-main' | 'go-stdlib' | 'apk' | 'deb';
  name: string;
  version: string;
  purl: string;
  /** A license as the package database states it (not necessarily an SPDX expression). */
  license?: string;
  /** Where in the image it was found (a binary, or the package database). */
  foundIn: string[];
}

/**
 * Every component the analysis found: OS packages (apk, deb) and, for each Go binary, Go's standard library, the
 * main module and the dependency modules (replaced modules reported as what replaced them). Deduplicated by PURL,
 * in a stable order.
 */
export function sbomComponents(a: ImageAnalysis): SbomComponent[] {
  const byPurl = new Map<string, SbomComponent>();
  const add = (c: SbomComponent): void => {
    const seen = byPurl.get(c.purl);
    if (seen) {
      for (const f of c.foundIn) if (!seen.foundIn.includes(f)) seen.foundIn.push(f);
    } else byPurl.set(c.purl, c);
  };
  const distro = a.os?.id && a.os.versionId ? `${a.os.id}-${a.os.versionId}` : undefined;
  for (const p of a.packages) {
    const purl =
      p.type === 'apk'
        ? apkPurl(p.name, p.version, p.arch, distro)
        : debPurl(p.name, p.version, p.arch, distro);
    add({
      kind: p.type,
      name: p.name,
      version: p.version,
      purl,
      ...(p.license ? { license: p.license } : {}),
      foundIn: [p.foundIn],
    });
  }
  for (const b of a.goBinaries) {
    const { info } = b;
    if (info.goVersion && info.goVersion !== 'unknown') {
      add({
        kind: 'go-stdlib',
        name: 'stdlib',
        version: info.goVersion,
        purl: golangStdlibPurl(info.goVersion),
        foundIn: [b.path],
      });
    }
    if (info.main?.path) {
      const v = info.main.version && info.main.version !== '(devel)' ? info.main.version : '';
      add({
        kind: 'go-main',
        name: info.main.path,
        version: v || '(devel)',
        purl: golangPurl(info.main.path, v || undefined),
        foundIn: [b.path],
      });
    }
    for (const d of info.deps) {
      const m = d.replace && d.replace.version && d.replace.version !== '(devel)' ? d.replace : d;
      add({
        kind: 'go-module',
        name: m.path,
        version: m.version,
        purl: golangPurl(m.path, m.version || undefined),
        foundIn: [b.path],
      });
    }
  }
  return [...byPurl.values()].sort((x, y) => (x.purl < y.purl ? -1 : x.purl > y.purl ? 1 : 0));
}
