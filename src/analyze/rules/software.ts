import { finding } from './catalog.js';
import { listed, type RuleContext } from './context.js';
import type { ImageFinding } from '../types.js';

/** Software components: OS packages and the Go modules compiled into binaries. */
export function softwareFindings(ctx: RuleContext): ImageFinding[] {
  const out: ImageFinding[] = [];
  const { packages, goBinaries } = ctx.analysis;
  if (packages.length > 0) {
    const dbs = [...new Set(packages.map((p) => p.foundIn))];
    const kinds = [...new Set(packages.map((p) => p.type))].join('/');
    out.push(finding('MN-SC-001', `${packages.length} ${kinds} packages installed`, listed(dbs)));
  }
  if (goBinaries.length > 0) {
    const modules = new Set(goBinaries.flatMap((b) => b.info.deps.map((d) => `${d.path}@${d.version}`)));
    const versions = [...new Set(goBinaries.map((b) => b.info.goVersion))].join(', ');
    out.push(
      finding(
        'MN-SC-002',
        `${goBinaries.length} Go binar${goBinaries.length === 1 ? 'y' : 'ies'} (${versions}) with ${modules.size} dependency module${modules.size === 1 ? '' : 's'}`,
        listed(goBinaries.map((b) => b.path)),
      ),
    );
  }
  const dynamic = goBinaries.filter((b) => b.dynamic);
  if (dynamic.length > 0) {
    out.push(
      finding(
        'MN-SC-003',
        `${dynamic.length} Go binaries need a dynamic loader`,
        listed(dynamic.map((b) => b.path)),
      ),
    );
  }
  return out;
}
