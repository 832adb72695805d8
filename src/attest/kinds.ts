/**
 * What minnow attaches to an image, and the names other tools know them by: the artifact type of the referrer,
 * the in-toto predicate type of the attestation, and cosign's `--type` name for it.
 */

/** Annotation on minnow's own referrers naming what they are, so a later push replaces only its own entry. */
export const ATTACHMENT_ANNOTATION = 'dev.minnow.attachment';

/** One kind of attestation minnow attaches. */
export interface AttestationKind {
  /** minnow's name, the value of ATTACHMENT_ANNOTATION. */
  name: 'sbom-spdx' | 'sbom-cyclonedx' | 'provenance';
  /** The referrer's artifactType (and its one layer's media type). */
  artifactType: string;
  /** The in-toto predicate type the signed attestation carries. */
  predicateType: string;
  /** cosign's `--type` for it (`cosign verify-attestation --type spdxjson`). */
  cosignType: string;
}

/** The table of attestation kinds: the one place a kind is chosen. */
export const ATTESTATION_KINDS = {
  'sbom-spdx': {
    name: 'sbom-spdx',
    artifactType: 'application/spdx+json',
    predicateType: 'https://spdx.dev/Document',
    cosignType: 'spdxjson',
  },
  'sbom-cyclonedx': {
    name: 'sbom-cyclonedx',
    artifactType: 'application/vnd.cyclonedx+json',
    predicateType: 'https://cyclonedx.org/bom',
    cosignType: 'cyclonedx',
  },
  provenance: {
    name: 'provenance',
    artifactType: 'application/vnd.in-toto+json',
    predicateType: 'https://slsa.dev/provenance/v1',
    cosignType: 'slsaprovenance1',
  },
} as const satisfies Record<string, AttestationKind>;

export type AttestationKindName = keyof typeof ATTESTATION_KINDS;

/** The kind a predicate type names, if minnow knows it. */
export function kindOfPredicate(predicateType: string): AttestationKind | undefined {
  return Object.values(ATTESTATION_KINDS).find((k) => k.predicateType === predicateType);
}
