import type { GoBinary } from '../analyze/types.js';
import { formatPlatform, type Digest, type Image, type Platform } from '../oci/index.js';
import { VERSION } from '../version.js';
import { ATTESTATION_KINDS } from './kinds.js';
import { statementFor, type Statement } from './statement.js';

// VERSION works in the CLI bundle too, where no package.json sits at a fixed relative path.
const MINNOW_VERSION = VERSION;

/** minnow's SLSA build type: what the external parameters below mean. */
export const MINNOW_BUILD_TYPE = 'https://minnow.dev/slsa/go-image/v1';
/** The builder id recorded when the caller names none (a developer's machine or a CI runner). */
export const MINNOW_BUILDER_ID = 'https://minnow.dev/builder/local';

/** A resolved dependency (an in-toto ResourceDescriptor). */
export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The SLSA Provenance v1 predicate, as far as minnow fills it. */
export interface SlsaProvenanceV1 {
  buildDefinition: {
    buildType: string;
    externalParameters: {
      source?: { repository?: string; revision?: string };
      packages: string[];
      platform: string;
      /** The user's options that change the output (ldflags, tags, base, user...), as given. */
      options: Record<string, unknown>;
    };
    internalParameters?: Record<string, unknown>;
    resolvedDependencies: ResourceDescriptor[];
  };
  runDetails: {
    builder: { id: string; version: Record<string, string> };
    metadata: { startedOn: string; finishedOn: string };
  };
}

/** What `provenanceStatement` needs besides the image. */
export interface ProvenanceInput {
  /** The image's name in the statement's subject (`registry/repository`). */
  name: string;
  image: Image;
  platform: Platform;
  /** The Go binaries of the image with their build info (from `analyzeImage`). */
  goBinaries: GoBinary[];
  /** Options that changed the output, recorded as external parameters. */
  options?: Record<string, unknown>;
  /** Builder id; default MINNOW_BUILDER_ID. */
  builderId?: string;
  /** RFC 3339 times. With SOURCE_DATE_EPOCH both are that time, so a rebuild gives the same bytes. */
  startedOn: string;
  finishedOn: string;
}

function moduleDependency(path: string, version: string, sum?: string): ResourceDescriptor {
  return {
    uri: `pkg:golang/${path}@${version}`,
    // in-toto's digest set names Go's module hash `dirHash` (the `h1:` value of go.sum).
    ...(sum ? { digest: { dirHash: sum } } : {}),
  };
}

/**
 * The resolved dependencies: the base image by digest, the Go toolchain, and every module of every binary with
 * its go.sum hash, deduplicated and sorted so equal builds give equal bytes.
 */
function resolvedDependencies(
  annotations: Record<string, string>,
  goBinaries: GoBinary[],
): ResourceDescriptor[] {
  const deps: ResourceDescriptor[] = [];
  const baseName = annotations['org.opencontainers.image.base.name'];
  const baseDigest = annotations['org.opencontainers.image.base.digest'];
  if (baseName || baseDigest) {
    const [alg, hex] = (baseDigest ?? '').split(':');
    deps.push({
      name: 'base',
      ...(baseName ? { uri: baseName } : {}),
      ...(alg && hex ? { digest: { [alg]: hex } } : {}),
    });
  }
  const toolchains = [
    ...new Set(goBinaries.map((b) => b.info.goVersion).filter((v) => v && v !== 'unknown')),
  ];
  for (const v of toolchains.sort()) deps.push({ name: 'go', uri: `pkg:golang/toolchain@${v}` });
  const modules = new Map<string, ResourceDescriptor>();
  for (const b of goBinaries) {
    for (const d of b.info.deps) {
      const m = d.replace ?? d;
      if (!m.version) continue;
      const dep = moduleDependency(m.path, m.version, m.sum);
      modules.set(dep.uri as string, dep);
    }
  }
  const sorted = [...modules.values()].sort((a, b) => ((a.uri as string) < (b.uri as string) ? -1 : 1));
  return [...deps, ...sorted];
}

/**
 * A SLSA Provenance v1 predicate in an in-toto v1 statement about one platform image: minnow's build type, the
 * source repository and revision (from the image's annotations), the main packages, the platform and the
 * options that changed the output; the base image by digest, the Go toolchain and every module with its go.sum
 * hash; the builder and the start and finish times.
 */
export async function provenanceStatement(input: ProvenanceInput): Promise<Statement<SlsaProvenanceV1>> {
  const manifest = await input.image.manifest();
  const annotations = manifest.annotations ?? {};
  const repository = annotations['org.opencontainers.image.source'];
  const revision = annotations['org.opencontainers.image.revision'];
  const packages = [
    ...new Set(input.goBinaries.map((b) => b.info.path ?? b.info.main?.path).filter((p): p is string => !!p)),
  ].sort();
  const predicate: SlsaProvenanceV1 = {
    buildDefinition: {
      buildType: MINNOW_BUILD_TYPE,
      externalParameters: {
        ...(repository || revision
          ? { source: { ...(repository ? { repository } : {}), ...(revision ? { revision } : {}) } }
          : {}),
        packages,
        platform: formatPlatform(input.platform),
        options: input.options ?? {},
      },
      resolvedDependencies: resolvedDependencies(annotations, input.goBinaries),
    },
    runDetails: {
      builder: { id: input.builderId ?? MINNOW_BUILDER_ID, version: { minnow: MINNOW_VERSION } },
      metadata: { startedOn: input.startedOn, finishedOn: input.finishedOn },
    },
  };
  const digest: Digest = await input.image.digest();
  return statementFor(input.name, digest, ATTESTATION_KINDS.provenance.predicateType, predicate);
}
