import { MinnowError } from '../errors.js';

/** An image's target platform, as in an index entry or an image config. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

/** The architectures Go builds for (`go tool dist list`), which is what minnow can put in an image. */
export const GO_ARCHES: ReadonlySet<string> = new Set([
  '386',
  'amd64',
  'arm',
  'arm64',
  'loong64',
  'mips',
  'mipsle',
  'mips64',
  'mips64le',
  'ppc64',
  'ppc64le',
  'riscv64',
  's390x',
  'wasm',
]);

/** Parses `os/arch[/variant]` (for example `linux/arm/v7`); throws INVALID_ARGUMENT with the accepted form. */
export function parsePlatform(value: string): Platform {
  const parts = value.trim().split('/');
  const [os, architecture, variant] = parts;
  if (parts.length < 2 || parts.length > 3 || !os || !architecture || (parts.length === 3 && !variant)) {
    throw new MinnowError(
      'INVALID_ARGUMENT',
      `invalid platform "${value}": want os/arch[/variant], e.g. linux/arm64`,
      {
        subject: value,
      },
    );
  }
  if (!/^[a-z0-9]+$/.test(os) || !GO_ARCHES.has(architecture)) {
    throw new MinnowError(
      'INVALID_ARGUMENT',
      `invalid platform "${value}": unknown ${GO_ARCHES.has(architecture) ? 'os' : 'architecture'}`,
      { subject: value, hint: `architectures: ${[...GO_ARCHES].join(', ')}` },
    );
  }
  if (variant !== undefined && !/^v[0-9]+$/.test(variant)) {
    throw new MinnowError('INVALID_ARGUMENT', `invalid platform "${value}": variant must look like v7`, {
      subject: value,
    });
  }
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** `linux/arm/v7` form. */
export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** Fills the variant the spec implies when it is absent (arm64 → v8, arm → v7), for comparison only. */
function normalizedVariant(p: Platform): string | undefined {
  if (p.variant) return p.variant;
  if (p.architecture === 'arm64') return 'v8';
  if (p.architecture === 'arm') return 'v7';
  return undefined;
}

/** True when `candidate` satisfies `wanted` (same os and arch, and variant when both say one). */
export function platformMatches(wanted: Platform, candidate: Platform): boolean {
  return (
    wanted.os === candidate.os &&
    wanted.architecture === candidate.architecture &&
    normalizedVariant(wanted) === normalizedVariant(candidate)
  );
}

/** The platform of this machine as Go and OCI name it. */
export function hostPlatform(): Platform {
  const arch = (
    { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' } as Record<
      string,
      string
    >
  )[process.arch];
  return { os: 'linux', architecture: arch ?? process.arch };
}
