import { finding } from './catalog.js';
import type { RuleContext } from './context.js';
import type { ImageFinding } from '../types.js';

const REMOTE_LOGIN = new Set([22, 23, 2222]);

/** Network services: the ports the image declares. */
export function networkFindings(ctx: RuleContext): ImageFinding[] {
  const ports = ctx.analysis.config.exposedPorts;
  if (ports.length === 0) return [];
  const out = [
    finding(
      'MN-NS-001',
      `exposes ${ports.join(', ')}`,
      ports.map((p) => `config.ExposedPorts.${p}`),
    ),
  ];
  const login = ports.filter((p) => REMOTE_LOGIN.has(Number(p.split('/')[0])));
  if (login.length > 0) {
    out.push(
      finding(
        'MN-NS-002',
        `exposes remote-login port ${login.join(', ')}`,
        login.map((p) => `config.ExposedPorts.${p}`),
      ),
    );
  }
  return out;
}
