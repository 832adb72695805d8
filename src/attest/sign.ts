import { createPublicKey } from 'node:crypto';
import { canonicalJson, type Digest, type ImageOrIndex } from '../oci/index.js';
import { pushImage, type PushOptions } from '../publish/registry.js';
import type { RegistryClient, Repo } from '../registry/client.js';
import {
  COSIGN_PREDICATE_TYPE_ANNOTATION,
  COSIGN_SIGNATURE_ANNOTATION,
  cosignImage,
  cosignLayer,
  cosignTag,
  readCosignLayers,
  SIMPLE_SIGNING_MEDIA_TYPE,
  simpleSigningPayload,
  type CosignLayer,
  type CosignTagKind,
} from './cosign.js';
import { DSSE_MEDIA_TYPE, envelopeVerifies, parseEnvelope, signEnvelope } from './dsse.js';
import { keyVerifier, type SignatureVerifier, type Signer } from './signer.js';
import type { Statement } from './statement.js';
import { platformImages, type PlatformAttestations } from './statements.js';

/** What one cosign tag write did. */
export interface CosignWrite {
  tag: string;
  /** False when the tag already held an equal signature by the same key: nothing was written. */
  changed: boolean;
  uploaded: number;
}

const IN_TOTO = 'application/vnd.in-toto+json';

function verifierOf(signer: Signer): SignatureVerifier {
  return keyVerifier(createPublicKey(signer.publicKey()));
}

function signatureVerifies(layer: CosignLayer, verifier: SignatureVerifier): boolean {
  const sig = layer.descriptor.annotations?.[COSIGN_SIGNATURE_ANNOTATION];
  return !!sig && verifier.verify(layer.data, Buffer.from(sig, 'base64'));
}

/** The envelope of an attestation layer when it is one signed by `verifier`'s key. */
function ownEnvelope(layer: CosignLayer, verifier: SignatureVerifier): boolean {
  if (layer.descriptor.mediaType !== DSSE_MEDIA_TYPE) return false;
  try {
    return envelopeVerifies(parseEnvelope(layer.data), verifier);
  } catch {
    return false;
  }
}

/**
 * Where cosign's tag images are read and written: a registry repository (registryTags) or an OCI layout (the
 * layout target of attachment-target.ts). Signing is the same on both.
 */
export interface CosignTags {
  /** The layers under `sha256-<hex>.<kind>` (none when there is no such tag). */
  read(digest: Digest, kind: CosignTagKind): Promise<CosignLayer[]>;
  /** Writes the tag image of `layers` under `tag`; the blobs uploaded (0 for a layout). */
  write(tag: string, layers: CosignLayer[]): Promise<number>;
}

/** cosign's tags in a registry repository. */
export function registryTags(client: RegistryClient, repo: Repo, options: PushOptions = {}): CosignTags {
  return {
    read: (digest, kind) => readCosignLayers(client, repo, digest, kind),
    write: async (tag, layers) =>
      (
        await pushImage(
          { ...repo, tag },
          { kind: 'artifact', artifact: cosignImage(layers) },
          { ...options, client },
        )
      ).uploaded,
  };
}

/**
 * Signs an image as `cosign sign` does: a simple-signing payload naming `name` and `digest`, its signature in the
 * layer's annotation, appended to the `sha256-<hex>.sig` image (other signatures are kept). Nothing is written when
 * the tag already holds a valid signature of the same payload by the same key.
 */
export async function signImage(
  tags: CosignTags,
  name: string,
  digest: Digest,
  signer: Signer,
): Promise<CosignWrite> {
  const tag = cosignTag(digest, 'sig');
  const existing = await tags.read(digest, 'sig');
  const payload = simpleSigningPayload(name, digest);
  const verifier = verifierOf(signer);
  if (existing.some((l) => l.data.equals(payload) && signatureVerifies(l, verifier)))
    return { tag, changed: false, uploaded: 0 };
  const sig = await signer.sign(payload);
  const layer = cosignLayer(SIMPLE_SIGNING_MEDIA_TYPE, payload, {
    [COSIGN_SIGNATURE_ANNOTATION]: sig.toString('base64'),
  });
  return { tag, changed: true, uploaded: await tags.write(tag, [...existing, layer]) };
}

/**
 * Attaches signed attestations as `cosign attest` does: each statement in a DSSE envelope, one layer of the
 * `sha256-<hex>.att` image with its predicate type annotated. An earlier envelope of the same predicate type signed
 * by the same key is replaced; every other layer (other keys, other tools) is kept. Nothing is written when every
 * statement is already there, signed by this key.
 */
export async function attestImage(
  tags: CosignTags,
  digest: Digest,
  statements: Statement[],
  signer: Signer,
): Promise<CosignWrite> {
  const tag = cosignTag(digest, 'att');
  const existing = await tags.read(digest, 'att');
  const verifier = verifierOf(signer);
  let layers = [...existing];
  let changed = false;
  for (const statement of statements) {
    const payload = canonicalJson(statement);
    const same = layers.find(
      (l) => ownEnvelope(l, verifier) && parseEnvelope(l.data).payload === payload.toString('base64'),
    );
    if (same) continue;
    layers = layers.filter(
      (l) =>
        !(
          l.descriptor.annotations?.[COSIGN_PREDICATE_TYPE_ANNOTATION] === statement.predicateType &&
          ownEnvelope(l, verifier)
        ),
    );
    const envelope = await signEnvelope(IN_TOTO, payload, signer);
    layers.push(
      cosignLayer(DSSE_MEDIA_TYPE, canonicalJson(envelope), {
        [COSIGN_SIGNATURE_ANNOTATION]: '',
        [COSIGN_PREDICATE_TYPE_ANNOTATION]: statement.predicateType,
      }),
    );
    changed = true;
  }
  if (!changed) return { tag, changed, uploaded: 0 };
  return { tag, changed, uploaded: await tags.write(tag, layers) };
}

/**
 * Signs a target as `cosign sign` and `cosign attest` would: every platform image (and an index, which is what a
 * tag names: cosign verifies its digest) gets a signature, and its statements (an index: every platform's, each
 * still naming its own platform image) as signed attestations. A `.sig` needs only the digest: it is written while
 * the statements are still being computed. In the order of the subjects, so a report reads the same every run.
 */
export async function signAttested(
  tags: CosignTags,
  name: string,
  target: ImageOrIndex,
  computing: Promise<PlatformAttestations[]>,
  signer: Signer,
): Promise<(CosignWrite & { subject: Digest })[]> {
  const digests = [
    ...(await platformImages(target)).map((p) => p.descriptor.digest),
    ...(target.kind === 'index' ? [await target.index.digest()] : []),
  ];
  const statementsOf = (platforms: PlatformAttestations[], i: number): Statement[] =>
    (i < platforms.length ? platforms[i]!.attestations : platforms.flatMap((p) => p.attestations)).map(
      (a) => a.statement,
    );
  const sign = async (digest: Digest, i: number): Promise<(CosignWrite & { subject: Digest })[]> => {
    const [sig, att] = await Promise.all([
      signImage(tags, name, digest, signer),
      computing.then((platforms) => {
        const statements = statementsOf(platforms, i);
        return statements.length === 0 ? undefined : attestImage(tags, digest, statements, signer);
      }),
    ]);
    return [sig, ...(att ? [att] : [])].map((w) => ({ ...w, subject: digest }));
  };
  return (await Promise.all(digests.map((d, i) => sign(d, i)))).flat();
}
