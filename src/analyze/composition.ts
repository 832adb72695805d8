import type { FileInfo, ImageAnalysis } from './types.js';

/**
 * What an image's final filesystem is made of, in bytes of regular files (each hard-linked content once): its Go
 * binaries (the app), the CA bundle and configuration (everything under /etc, and a CA bundle elsewhere), and
 * the rest (the base). The three add up to `size.filesystem`.
 */
export function compositionOf(
  entries: readonly FileInfo[],
  caBundle: string | undefined,
): ImageAnalysis['composition'] {
  const out = { base: 0, caAndConfig: 0, app: 0 };
  for (const e of entries) {
    if (e.type !== 'file') continue;
    if (e.go) out.app += e.size;
    else if (e.path.startsWith('/etc/') || e.path === caBundle) out.caAndConfig += e.size;
    else out.base += e.size;
  }
  return out;
}
