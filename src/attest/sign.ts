import { createPublicKey } from 'node:crypto';
import { canonicalJson, type Digest } from '../oci/index.js';
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
} from './cosign.js';
import { DSSE_MEDIA_TYPE, envelopeVerifies, parseEnvelope, signEnvelope } from './dsse.js';
import { keyVerifier, type SignatureVerifier, type Signer } from './signer.js';
import type { Statement } from './statement.js';

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

async function writeTag(
  client: RegistryClient,
  repo: Repo,
  tag: string,
  layers: CosignLayer[],
  options: PushOptions,
): Promise<number> {
  const res = await pushImage(
    { ...repo, tag },
    { kind: 'artifact', artifact: cosignImage(layers) },
    { ...options, client },
  );
  return res.uploaded;
}

/**
 * Signs an image as `cosign sign` does: a simple-signing payload naming `name` and `digest`, its signature in the
 * layer's annotation, appended to the `sha256-<hex>.sig` image (other signatures are kept). Nothing is written when
 * the tag already holds a valid signature of the same payload by the same key.
 */
export async function signImage(
  client: RegistryClient,
  repo: Repo,
  name: string,
  digest: Digest,
  signer: Signer,
  options: PushOptions = {},
): Promise<CosignWrite> {
  const tag = cosignTag(digest, 'sig');
  const existing = await readCosignLayers(client, repo, digest, 'sig');
  const payload = simpleSigningPayload(name, digest);
  const verifier = verifierOf(signer);
  if (existing.some((l) => l.data.equals(payload) && signatureVerifies(l, verifier)))
    return { tag, changed: false, uploaded: 0 };
  const sig = await signer.sign(payload);
  const layer = cosignLayer(SIMPLE_SIGNING_MEDIA_TYPE, payload, {
    [COSIGN_SIGNATURE_ANNOTATION]: sig.toString('base64'),
  });
  return { tag, changed: true, uploaded: await writeTag(client, repo, tag, [...existing, layer], options) };
}

/**
 * Attaches signed attestations as `cosign attest` does: each statement in a DSSE envelope, one layer of the
 * `sha256-<hex>.att` image with its predicate type annotated. An earlier envelope of the same predicate type signed
 * by the same key is replaced; every other layer (other keys, other tools) is kept. Nothing is written when every
 * statement is already there, signed by this key.
 */
export async function attestImage(
  client: RegistryClient,
  repo: Repo,
  digest: Digest,
  statements: Statement[],
  signer: Signer,
  options: PushOptions = {},
): Promise<CosignWrite> {
  const tag = cosignTag(digest, 'att');
  const existing = await readCosignLayers(client, repo, digest, 'att');
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
  return { tag, changed, uploaded: await writeTag(client, repo, tag, layers, options) };
}
