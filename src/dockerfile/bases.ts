import { MinnowError } from '../errors.js';
import { splitNameTag } from '../oci/name-tag.js';

/** The kinds of final stage `minnow dockerfile --base` knows. */
export type FinalBaseKind = 'scratch' | 'static' | 'distroless' | 'alpine' | 'image';

/** The final stage a generated Dockerfile starts from. */
export interface FinalBase {
  kind: FinalBaseKind;
  /** What the final `FROM` names (`scratch`, `alpine:3.22`, a user's reference). */
  image: string;
  /** Copy the builder's CA bundle into the image (the base has none of its own). */
  copyCaBundle: boolean;
  /** Add /etc/passwd and /etc/group with root and nonroot (65532), and Go's zoneinfo.zip (`static`). */
  staticFiles: boolean;
}

/** distroless' static image in its nonroot flavour: CA bundle, tzdata, passwd, and no shell. */
export const DISTROLESS_STATIC = 'gcr.io/distroless/static-debian12:nonroot';
/** The Alpine release `--base alpine` uses (a supported branch; pass a reference to choose another). */
export const ALPINE = 'alpine:3.22';

/** A Docker image reference: `[registry/]name[:tag][@digest]`, lowercase path, no spaces or quotes. */
const REF =
  /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/**
 * Checks that `ref` is an image reference pinned by tag or digest and not `latest`; generated Dockerfiles must
 * lint clean, so minnow refuses to write an unpinned base.
 */
export function checkPinnedReference(ref: string, what: string): void {
  if (!REF.test(ref)) {
    throw new MinnowError('INVALID_ARGUMENT', `${what} "${ref}" is not an image reference`, { subject: ref });
  }
  const { name, tag, digest } = splitNameTag(ref);
  if (!digest && (!tag || tag === 'latest')) {
    throw new MinnowError('INVALID_ARGUMENT', `${what} "${ref}" is not pinned to a version`, {
      subject: ref,
      hint: `name a release tag (${name}:1.2.3), ideally with its @sha256 digest`,
    });
  }
}

/** Resolves `--base`: a built-in name or an image reference pinned by tag or digest. */
export function resolveFinalBase(spec = 'static'): FinalBase {
  switch (spec) {
    case 'scratch':
      return { kind: 'scratch', image: 'scratch', copyCaBundle: true, staticFiles: false };
    case 'static':
      return { kind: 'static', image: 'scratch', copyCaBundle: true, staticFiles: true };
    case 'distroless':
      return { kind: 'distroless', image: DISTROLESS_STATIC, copyCaBundle: false, staticFiles: false };
    case 'alpine':
      return { kind: 'alpine', image: ALPINE, copyCaBundle: false, staticFiles: false };
    default:
      checkPinnedReference(spec, 'base image');
      return { kind: 'image', image: spec, copyCaBundle: false, staticFiles: false };
  }
}
