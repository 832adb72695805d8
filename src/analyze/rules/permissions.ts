import { finding } from './catalog.js';
import { listed, type RuleContext } from './context.js';
import type { ImageFinding } from '../types.js';

/** User permissions: root, setuid/setgid files, file capabilities. */
export function permissionFindings(ctx: RuleContext): ImageFinding[] {
  const out: ImageFinding[] = [];
  const { config } = ctx.analysis;
  if (config.runsAsRoot) {
    out.push(
      finding('MN-UP-001', `runs as root (User is ${config.user === '' ? 'unset' : `"${config.user}"`})`, [
        'config.User',
      ]),
    );
  }
  const special = ctx.entries.filter((e) => e.type === 'file' && (e.mode & 0o6000) !== 0);
  if (special.length > 0) {
    const describe = special.map(
      (e) =>
        `${e.path} (${e.mode & 0o4000 ? 'setuid' : ''}${(e.mode & 0o6000) === 0o6000 ? '+' : ''}${e.mode & 0o2000 ? 'setgid' : ''})`,
    );
    out.push(
      finding(
        'MN-UP-002',
        `${special.length} setuid/setgid files: ${describe.slice(0, 5).join(', ')}`,
        listed(special.map((e) => e.path)),
      ),
    );
  }
  const caps = ctx.entries.filter((e) => e.capabilities);
  if (caps.length > 0) {
    // Named as what they grant: `/app/web (cap_net_bind_service)`.
    const describe = caps.map(
      (e) => `${e.path} (${(e.capabilities ?? []).map((c) => `cap_${c}`).join(',')})`,
    );
    out.push(
      finding(
        'MN-UP-003',
        `${caps.length} file${caps.length === 1 ? '' : 's'} with capabilities: ${describe.slice(0, 5).join(', ')}`,
        listed(caps.map((e) => e.path)),
      ),
    );
  }
  return out;
}
