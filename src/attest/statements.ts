import { analyzeImage } from '../analyze/analyze.js';
import { renderSbom, type SbomFormat } from '../analyze/sbom/index.js';
import { rfc3339 } from '../build/provenance.js';
import { MinnowError } from '../errors.js';
import {
  artifactOf,
  canonicalJson,
  type Artifact,
  type Descriptor,
  type Image,
  type ImageOrIndex,
  type Platform,
} from '../oci/index.js';
import { ATTACHMENT_ANNOTATION, ATTESTATION_KINDS, type AttestationKind } from './kinds.js';
import { provenanceStatement } from './provenance.js';
import { statementFor, type Statement } from './statement.js';

/** Provenance settings; every field is optional. */
export interface ProvenanceSettings {
  /** The user's options that changed the output, recorded as external parameters. */
  options?: Record<string, unknown>;
  /** Builder id. Default MINNOW_BUILDER_ID. */
  builderId?: string;
  /** RFC 3339 start and finish times. Default: SOURCE_DATE_EPOCH when set (both), else now. */
  startedOn?: string;
  finishedOn?: string;
}

/** What to attest; every field is optional. */
export interface AttestationSettings {
  /** SBOM format, or false for none. Default 'spdx-json'. */
  sbom?: SbomFormat | false;
  /** Provenance settings, or false for none. Default {}. */
  provenance?: ProvenanceSettings | false;
  /** Environment for SOURCE_DATE_EPOCH. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** One attestation of one platform image: the referrer artifact and the in-toto statement to sign. */
export interface Attestation {
  kind: AttestationKind;
  /** The artifact with `subject` = the image. */
  artifact: Artifact;
  statement: Statement;
}

/** One platform image with what is attested about it. */
export interface PlatformAttestations {
  descriptor: Descriptor;
  platform: Platform;
  attestations: Attestation[];
}

/** The platform images of a target, each with its descriptor (the subject of its attestations). */
export async function platformImages(
  target: ImageOrIndex,
): Promise<{ descriptor: Descriptor; image: Image; platform: Platform }[]> {
  const describe = async (image: Image): Promise<Descriptor> => ({
    mediaType: await image.mediaType(),
    digest: await image.digest(),
    size: (await image.rawManifest()).length,
  });
  const platformOf = async (image: Image): Promise<Platform> => {
    const c = await image.configFile();
    return { os: c.os, architecture: c.architecture, ...(c.variant ? { variant: c.variant } : {}) };
  };
  if (target.kind === 'image') {
    const image = target.image;
    return [{ descriptor: await describe(image), image, platform: await platformOf(image) }];
  }
  const out = [];
  for (const d of (await target.index.indexManifest()).manifests) {
    if (d.artifactType !== undefined || d.platform?.os === 'unknown') continue;
    const image = await target.index.image(d);
    out.push({ descriptor: await describe(image), image, platform: d.platform ?? (await platformOf(image)) });
  }
  return out;
}

function times(
  settings: ProvenanceSettings,
  env: NodeJS.ProcessEnv,
): { startedOn: string; finishedOn: string } {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && epoch !== '' && !/^\d+$/.test(epoch)) {
    throw new MinnowError('INVALID_ARGUMENT', `SOURCE_DATE_EPOCH must be whole seconds, got "${epoch}"`);
  }
  const fixed = epoch ? rfc3339(Number(epoch)) : undefined;
  const now = rfc3339(Math.floor(Date.now() / 1000));
  return {
    startedOn: settings.startedOn ?? fixed ?? now,
    finishedOn: settings.finishedOn ?? fixed ?? now,
  };
}

function referrer(
  kind: AttestationKind,
  data: Buffer,
  subject: Descriptor,
  created: string | undefined,
  extra: Record<string, string> = {},
): Artifact {
  return artifactOf({
    artifactType: kind.artifactType,
    layers: [{ mediaType: kind.artifactType, data }],
    subject,
    annotations: {
      [ATTACHMENT_ANNOTATION]: kind.name,
      ...(created ? { 'org.opencontainers.image.created': created } : {}),
      ...extra,
    },
  });
}

/**
 * The SBOM and provenance of every platform image of `target`, as referrer artifacts and as in-toto statements.
 * `name` is the image's repository (`registry/repository`), as statements and SBOMs name it. Deterministic for a
 * given image when SOURCE_DATE_EPOCH is set.
 */
export async function attestationsFor(
  name: string,
  target: ImageOrIndex,
  settings: AttestationSettings = {},
): Promise<PlatformAttestations[]> {
  const env = settings.env ?? process.env;
  const sbomFormat = settings.sbom === undefined ? 'spdx-json' : settings.sbom;
  const provenance = settings.provenance === undefined ? {} : settings.provenance;
  const out: PlatformAttestations[] = [];
  for (const { descriptor, image, platform } of await platformImages(target)) {
    const attestations: Attestation[] = [];
    const analysis = await analyzeImage(image, {
      reference: `${name}@${descriptor.digest}`,
      attribute: false,
    });
    if (sbomFormat) {
      const kind =
        sbomFormat === 'spdx-json' ? ATTESTATION_KINDS['sbom-spdx'] : ATTESTATION_KINDS['sbom-cyclonedx'];
      const text = Buffer.from(renderSbom(analysis, sbomFormat));
      attestations.push({
        kind,
        artifact: referrer(kind, text, descriptor, analysis.created),
        statement: statementFor(
          name,
          descriptor.digest,
          kind.predicateType,
          JSON.parse(text.toString()) as unknown,
        ),
      });
    }
    if (provenance) {
      const kind = ATTESTATION_KINDS.provenance;
      const statement = await provenanceStatement({
        name,
        image,
        platform,
        goBinaries: analysis.goBinaries,
        ...(provenance.options ? { options: provenance.options } : {}),
        ...(provenance.builderId ? { builderId: provenance.builderId } : {}),
        ...times(provenance, env),
      });
      attestations.push({
        kind,
        artifact: referrer(kind, canonicalJson(statement), descriptor, analysis.created, {
          'in-toto.io/predicate-type': kind.predicateType,
        }),
        statement,
      });
    }
    out.push({ descriptor, platform, attestations });
  }
  return out;
}
