import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { publicKeyPem } from './keys.js';

/**
 * Signs bytes. Key-based now (a cosign or PKCS#8 key); keyless signing (Fulcio certificates) would be another
 * implementation of the same two members.
 */
export interface Signer {
  /** An ASN.1 DER ECDSA signature over SHA-256 of `data`, as cosign makes and checks them. */
  sign(data: Buffer): Promise<Buffer>;
  /** The PEM public key that verifies the signatures (for messages and key ids, never secret). */
  publicKey(): string;
}

/** Checks signatures. */
export interface SignatureVerifier {
  verify(data: Buffer, signature: Buffer): boolean;
}

/** A signer over a private key held in memory. */
export function keySigner(privateKey: KeyObject): Signer {
  const pem = publicKeyPem(privateKey);
  return {
    sign: async (data) => sign('sha256', data, privateKey),
    publicKey: () => pem,
  };
}

/** A verifier over a public key. */
export function keyVerifier(publicKey: KeyObject): SignatureVerifier {
  return {
    verify: (data, signature) => {
      try {
        return verify('sha256', data, publicKey, signature);
      } catch {
        return false;
      }
    },
  };
}

/** A short, stable, non-secret name for a public key (sha256 of its PEM), for listings. */
export function keyId(publicKey: string): string {
  return `sha256:${createHash('sha256').update(publicKey).digest('hex').slice(0, 16)}`;
}
