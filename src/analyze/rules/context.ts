import type { ContainerConfig } from '../../oci/index.js';
import type { FileInfo, ImageAnalysis } from '../types.js';

/** What every rule sees: the merged filesystem's entries, the runtime config, and the inventory built from them. */
export interface RuleContext {
  entries: FileInfo[];
  config: ContainerConfig;
  analysis: Omit<ImageAnalysis, 'findings' | 'summary'>;
}

/** At most this many paths are listed in one finding; the message gives the full count. */
export const MAX_PATHS = 25;

export function listed(paths: string[]): string[] {
  return paths.slice(0, MAX_PATHS);
}
