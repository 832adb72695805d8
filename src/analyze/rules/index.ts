import { configFileFindings } from './config-files.js';
import type { RuleContext } from './context.js';
import { networkFindings } from './network.js';
import { permissionFindings } from './permissions.js';
import { softwareFindings } from './software.js';
import { utilityFindings } from './utilities.js';
import type { ImageFinding } from '../types.js';

export { IMAGE_RULES, type RuleInfo } from './catalog.js';
export { isSecretEnvKey } from './config-files.js';
export type { RuleContext } from './context.js';

/** Runs every image rule, in the article's five parts. */
export function runRules(ctx: RuleContext): ImageFinding[] {
  return [
    ...softwareFindings(ctx),
    ...networkFindings(ctx),
    ...utilityFindings(ctx),
    ...configFileFindings(ctx),
    ...permissionFindings(ctx),
  ];
}
