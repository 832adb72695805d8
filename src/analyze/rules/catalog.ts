import type { Category, ImageFinding, Severity } from '../types.js';

/** A rule's fixed description. The ID never changes once published; docs/rules.md documents each. */
export interface RuleInfo {
  id: string;
  title: string;
  severity: Severity;
  category: Category;
  /** One line on how to fix it. */
  fix: string;
  /** The matching check of other tools (dockle, trivy, hadolint), when there is one. */
  seeAlso?: string;
}

const rules = [
  {
    id: 'MN-SC-001',
    title: 'OS packages installed',
    severity: 'low',
    category: 'software-components',
    fix: 'Build on scratch or minnow\'s "static" base: a static Go binary needs no OS packages.',
    seeAlso: 'trivy image (OS package inventory), syft',
  },
  {
    id: 'MN-SC-002',
    title: 'Go modules compiled into binaries',
    severity: 'info',
    category: 'software-components',
    fix: 'Keep dependencies few and current (go mod tidy; govulncheck ./...).',
    seeAlso: 'trivy image (gobinary analyzer), syft',
  },
  {
    id: 'MN-SC-003',
    title: 'Dynamically linked Go binary',
    severity: 'medium',
    category: 'software-components',
    fix: 'Build with CGO_ENABLED=0 (and without -buildmode=pie) so the binary needs no libc or loader.',
  },
  {
    id: 'MN-NS-001',
    title: 'Ports exposed',
    severity: 'info',
    category: 'network-services',
    fix: 'Expose only the ports the app serves; drop EXPOSE lines for anything else.',
  },
  {
    id: 'MN-NS-002',
    title: 'Remote-login port exposed (SSH/Telnet)',
    severity: 'high',
    category: 'network-services',
    fix: 'Remove the SSH/Telnet server and its EXPOSE; use `kubectl exec` or `docker exec` to debug.',
    seeAlso: 'trivy DS004 (port 22 exposed)',
  },
  {
    id: 'MN-SU-001',
    title: 'Shell present',
    severity: 'medium',
    category: 'system-utilities',
    fix: 'Use a shell-less base (scratch, minnow static, distroless) and exec-form ENTRYPOINT/CMD.',
  },
  {
    id: 'MN-SU-002',
    title: 'Package manager present',
    severity: 'medium',
    category: 'system-utilities',
    fix: 'Ship no package manager: build on scratch/static/distroless, or remove it in the final stage.',
  },
  {
    id: 'MN-SU-003',
    title: 'BusyBox and its applets present',
    severity: 'medium',
    category: 'system-utilities',
    fix: 'Avoid busybox-based bases for production; copy only the binary into scratch/static.',
  },
  {
    id: 'MN-SU-004',
    title: 'Debugger or tracer present',
    severity: 'high',
    category: 'system-utilities',
    fix: 'Remove debuggers (gdb, strace, dlv) from the runtime image; attach an ephemeral debug container instead.',
  },
  {
    id: 'MN-SU-005',
    title: 'Network tool present (curl, wget, nc…)',
    severity: 'medium',
    category: 'system-utilities',
    fix: 'Remove curl/wget/nc from the runtime image; implement health checks in the app itself.',
  },
  {
    id: 'MN-SU-006',
    title: 'Compiler or build tool present',
    severity: 'medium',
    category: 'system-utilities',
    fix: 'Compile in a build stage and copy only the binary into the runtime image.',
  },
  {
    id: 'MN-CF-001',
    title: 'User with a login shell',
    severity: 'low',
    category: 'configuration-files',
    fix: 'Give service users /sbin/nologin (or ship no /etc/passwd shell at all).',
  },
  {
    id: 'MN-CF-002',
    title: 'User with an empty password',
    severity: 'high',
    category: 'configuration-files',
    fix: 'Lock the account: set the password field to "*" or "!" in /etc/shadow (or "x" in /etc/passwd).',
    seeAlso: 'dockle DKL-LI-0001 (avoid empty password)',
  },
  {
    id: 'MN-CF-003',
    title: 'World-writable path without the sticky bit',
    severity: 'medium',
    category: 'configuration-files',
    fix: 'chmod o-w the path, or add the sticky bit (chmod +t) to shared directories such as /tmp.',
  },
  {
    id: 'MN-CF-004',
    title: 'File that looks like a secret',
    severity: 'high',
    category: 'configuration-files',
    fix: 'Never bake keys or credentials into an image: mount them at run time (secrets, volumes, env from a vault).',
    seeAlso: 'dockle CIS-DI-0010, trivy secret scanning',
  },
  {
    id: 'MN-CF-005',
    title: 'Secret-looking environment variable',
    severity: 'high',
    category: 'configuration-files',
    fix: 'Pass secrets at run time (docker run -e / Kubernetes secrets), not in the image config.',
    seeAlso: 'dockle CIS-DI-0010, hadolint/trivy DS031-style secret checks',
  },
  {
    id: 'MN-UP-001',
    title: 'Runs as root',
    severity: 'high',
    category: 'user-permissions',
    fix: 'Set a non-root user: `minnow build --user 65532` or USER 65532:65532.',
    seeAlso: 'dockle CIS-DI-0001, trivy DS002, hadolint DL3002',
  },
  {
    id: 'MN-UP-002',
    title: 'setuid/setgid files',
    severity: 'medium',
    category: 'user-permissions',
    fix: 'Remove the files or their bits (chmod u-s,g-s); run with --security-opt no-new-privileges.',
    seeAlso: 'dockle CIS-DI-0008',
  },
  {
    id: 'MN-UP-003',
    title: 'Files with capabilities',
    severity: 'medium',
    category: 'user-permissions',
    fix: 'Drop file capabilities (setcap -r) and grant only what is needed at run time (--cap-add).',
  },
] as const satisfies readonly RuleInfo[];

export type RuleId = (typeof rules)[number]['id'];

/** Every rule minnow runs on an image, in report order. */
export const IMAGE_RULES: readonly RuleInfo[] = rules;

const byId = new Map<string, RuleInfo>(rules.map((r) => [r.id, r]));

/** A finding of rule `id`, with the rule's fixed title, severity, category and fix. */
export function finding(id: RuleId, message: string, paths: string[]): ImageFinding {
  const r = byId.get(id) as RuleInfo;
  return {
    rule: r.id,
    title: r.title,
    severity: r.severity,
    category: r.category,
    message,
    paths,
    fix: r.fix,
  };
}
