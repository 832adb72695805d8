import { dsse } from '@sigstore/core';
import { MinnowError } from '../errors.js';
import type { SignatureVerifier, Signer } from './signer.js';

/** A DSSE envelope (github.com/secure-systems-lab/dsse), the form cosign stores attestations in. */
export interface Envelope {
  payloadType: string;
  /** base64 of the payload bytes. */
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

/** The media type of a DSSE envelope blob. */
export const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';

/** Signs `payload` into an envelope: the signature is over DSSE's pre-authentication encoding (PAE). */
export async function signEnvelope(payloadType: string, payload: Buffer, signer: Signer): Promise<Envelope> {
  const sig = await signer.sign(dsse.preAuthEncoding(payloadType, payload));
  return {
    payloadType,
    payload: payload.toString('base64'),
    signatures: [{ keyid: '', sig: sig.toString('base64') }],
  };
}

/** Parses an envelope; throws INVALID_IMAGE on anything else. */
export function parseEnvelope(raw: Buffer): Envelope {
  let doc: Partial<Envelope>;
  try {
    doc = JSON.parse(raw.toString('utf8')) as Partial<Envelope>;
  } catch {
    throw new MinnowError('INVALID_IMAGE', 'attestation is not a DSSE envelope (not JSON)');
  }
  if (
    typeof doc.payloadType !== 'string' ||
    typeof doc.payload !== 'string' ||
    !Array.isArray(doc.signatures)
  ) {
    throw new MinnowError('INVALID_IMAGE', 'attestation is not a DSSE envelope');
  }
  return doc as Envelope;
}

/** True when one of the envelope's signatures verifies over its PAE. */
export function envelopeVerifies(envelope: Envelope, verifier: SignatureVerifier): boolean {
  const pae = dsse.preAuthEncoding(envelope.payloadType, Buffer.from(envelope.payload, 'base64'));
  return envelope.signatures.some(
    (s) => typeof s.sig === 'string' && verifier.verify(pae, Buffer.from(s.sig, 'base64')),
  );
}
