/** Proof that travels with an image: SBOM and provenance referrers, cosign signatures, verification. */
export {
  attachAttestations,
  type AttachAttestationsOptions,
  type AttachedReferrer,
  type AttachReport,
} from './attach.js';
export { attachToLayout, layoutTags, type LayoutAttachOptions, type LayoutAttachReport } from './layout.js';
export {
  attachmentSourceOf,
  layoutAttachments,
  registryAttachments,
  type AttachmentSource,
} from './attachment-source.js';
export {
  attachmentTargetOf,
  layoutTarget,
  registryTarget,
  type AttachmentTarget,
  type CopiedTagAction,
  type ReferrerPlace,
} from './attachment-target.js';
export { copyAttachments, type CopyAttachmentsOptions, type CopyAttachmentsResult } from './copy.js';
export {
  generateKeyPair,
  isEncryptedKey,
  loadPrivateKey,
  readPrivateKey,
  readPublicKey,
  type KeyPairFiles,
} from './keys.js';
export { ATTESTATION_KINDS, ATTACHMENT_ANNOTATION, type AttestationKind } from './kinds.js';
export {
  listAttachments,
  readAttachedSbom,
  type AttachmentsReport,
  type ListOptions,
  type ManifestAttachments,
} from './list.js';
export { MINNOW_BUILD_TYPE, MINNOW_BUILDER_ID, type SlsaProvenanceV1 } from './provenance.js';
export { keySigner, keyVerifier, type SignatureVerifier, type Signer } from './signer.js';
export { type Statement, type StatementSubject } from './statement.js';
export { attestationsFor, type AttestationSettings, type ProvenanceSettings } from './statements.js';
export { registryTags, signAttested, type CosignTags } from './sign.js';
export {
  assertVerified,
  verifyImage,
  type VerifiedAttestation,
  type VerifyCheck,
  type VerifyOptions,
  type VerifyReport,
} from './verify.js';
