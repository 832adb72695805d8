import { finding } from './catalog.js';
import { listed, type RuleContext } from './context.js';
import type { ImageFinding } from '../types.js';

/** System utilities: shells, package managers, busybox, debuggers, network tools, compilers. */
export function utilityFindings(ctx: RuleContext): ImageFinding[] {
  const u = ctx.analysis.utilities;
  const out: ImageFinding[] = [];
  const names = (paths: string[]): string =>
    [...new Set(paths.map((p) => p.slice(p.lastIndexOf('/') + 1)))].join(', ');
  if (u.shells.length > 0) out.push(finding('MN-SU-001', `shells: ${names(u.shells)}`, listed(u.shells)));
  if (u.packageManagers.length > 0) {
    out.push(
      finding('MN-SU-002', `package managers: ${names(u.packageManagers)}`, listed(u.packageManagers)),
    );
  }
  if (u.busybox) {
    out.push(
      finding(
        'MN-SU-003',
        `busybox at ${u.busybox.path} with ${u.busybox.applets.length} applets`,
        listed([u.busybox.path, ...u.busybox.applets]),
      ),
    );
  }
  if (u.debuggers.length > 0)
    out.push(finding('MN-SU-004', `debuggers: ${names(u.debuggers)}`, listed(u.debuggers)));
  if (u.networkTools.length > 0) {
    out.push(finding('MN-SU-005', `network tools: ${names(u.networkTools)}`, listed(u.networkTools)));
  }
  if (u.compilers.length > 0)
    out.push(finding('MN-SU-006', `compilers/build tools: ${names(u.compilers)}`, listed(u.compilers)));
  return out;
}
