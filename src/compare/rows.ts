import type { ImageAnalysis, Severity } from '../analyze/types.js';
import { articleSize, type CompareBase } from './bases.js';

/** One base's row of the comparison: sizes, attack surface, the article's number, a recommendation. */
export interface CompareRow {
  base: string;
  /** The spec that was built on. */
  spec: string;
  size: number;
  compressed: number;
  /** Part of `compressed` is a gzip estimate (layers stored uncompressed, as the Engine keeps them). */
  compressedEstimated?: boolean;
  layers: number;
  files: number;
  executables: number;
  shell: boolean;
  packageManager: boolean;
  packages: number;
  root: boolean;
  setuid: number;
  findings: Record<Severity, number>;
  /** The seed article's `docker image ls` figure for this base (its own small app), when it measured one. */
  articleSize?: number;
  /**
   * This app the typical-Dockerfile way on this base: this image with the binary the article's Dockerfiles build
   * (`CGO_ENABLED=0 go build`, symbols and DWARF kept) in place of minnow's. Only for the article's bases.
   */
  typicalSize?: number;
  recommendation: string;
  analysis: ImageAnalysis;
}

/** What is missing or risky in an image, as short phrases. */
function concerns(a: ImageAnalysis): string[] {
  const out: string[] = [];
  if (a.config.runsAsRoot) out.push('runs as root');
  if (a.summary.hasShell) out.push('ships a shell');
  if (a.summary.hasPackageManager) out.push('ships a package manager');
  if (a.packages.length > 0) out.push(`${a.packages.length} OS packages to patch`);
  if (a.files.setuid > 0) out.push(`${a.files.setuid} setuid files`);
  if (!a.runtime.caBundle) out.push('no CA bundle (outbound TLS fails)');
  if (a.users.length === 0) out.push('no /etc/passwd');
  return out;
}

/** One comparison row for an analyzed image built on `base` (also used for Dockerfile-built images). */
export function rowOf(base: CompareBase, spec: string, a: ImageAnalysis): CompareRow {
  const c = concerns(a);
  const article = articleSize(base);
  return {
    base: base.label,
    spec,
    size: a.size.content,
    compressed: a.size.compressed,
    ...(a.size.compressedEstimated ? { compressedEstimated: true } : {}),
    layers: a.layers.length,
    files: a.files.count,
    executables: a.files.executables,
    shell: a.summary.hasShell,
    packageManager: a.summary.hasPackageManager,
    packages: a.packages.length,
    root: a.config.runsAsRoot,
    setuid: a.files.setuid,
    findings: a.summary.findings,
    ...(article !== undefined ? { articleSize: article } : {}),
    recommendation:
      c.length === 0 ? 'good: nothing beyond the app, its CA bundle and users' : `avoid: ${c.join(', ')}`,
    analysis: a,
  };
}
