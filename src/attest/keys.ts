import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  scryptSync,
  type KeyObject,
} from 'node:crypto';
import nacl from 'tweetnacl';
import { MinnowError } from '../errors.js';

/**
 * cosign's key files. The private key is PKCS#8 DER sealed the way go-securesystemslib's `encrypted` package
 * does it (scrypt N=32768 r=8 p=1 over a 32-byte salt, then NaCl secretbox with a 24-byte nonce), stored as JSON
 * in a PEM block; the public key is a PKIX PEM. minnow also takes an unencrypted PKCS#8 PEM (`PRIVATE KEY`).
 */
const ENCRYPTED_PEM_TYPES = ['ENCRYPTED SIGSTORE PRIVATE KEY', 'ENCRYPTED COSIGN PRIVATE KEY'];
const SCRYPT = { N: 32768, r: 8, p: 1 };

interface SealedKey {
  kdf: { name: string; params: { N: number; r: number; p: number }; salt: string };
  cipher: { name: string; nonce: string };
  ciphertext: string;
}

/** A key pair in cosign's file formats. */
export interface KeyPairFiles {
  /** `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----` (cosign.key). */
  privateKey: string;
  /** `-----BEGIN PUBLIC KEY-----` (cosign.pub). */
  publicKey: string;
}

function pemBlock(type: string, body: Buffer): string {
  const lines = body.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}

function pemType(pem: string): string | undefined {
  return /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1];
}

function pemBody(pem: string, type: string): Buffer {
  const m = new RegExp(`-----BEGIN ${type}-----([\\s\\S]*?)-----END ${type}-----`).exec(pem);
  return Buffer.from((m?.[1] ?? '').replace(/\s+/g, ''), 'base64');
}

function scrypt(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Buffer {
  // N=32768, r=8 needs 32 MiB; allow room for keys made with larger parameters.
  return scryptSync(Buffer.from(password, 'utf8'), salt, 32, { ...params, maxmem: 512 * 1024 * 1024 });
}

/** Seals PKCS#8 DER bytes with a password, as cosign's encrypted key file holds them. */
function seal(der: Buffer, password: string): SealedKey {
  const salt = randomBytes(32);
  const nonce = randomBytes(nacl.secretbox.nonceLength);
  const key = scrypt(password, salt, SCRYPT);
  const box = nacl.secretbox(new Uint8Array(der), new Uint8Array(nonce), new Uint8Array(key));
  return {
    kdf: { name: 'scrypt', params: SCRYPT, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(box).toString('base64'),
  };
}

function unseal(sealed: SealedKey, password: string, file: string): Buffer {
  if (sealed.kdf?.name !== 'scrypt' || sealed.cipher?.name !== 'nacl/secretbox') {
    throw new MinnowError('KEY_INVALID', `${file}: unsupported key encryption`, { subject: file });
  }
  const { N, r, p } = sealed.kdf.params;
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > 1 << 20) {
    throw new MinnowError('KEY_INVALID', `${file}: invalid scrypt parameters`, { subject: file });
  }
  const key = scrypt(password, Buffer.from(sealed.kdf.salt, 'base64'), { N, r, p });
  const opened = nacl.secretbox.open(
    new Uint8Array(Buffer.from(sealed.ciphertext, 'base64')),
    new Uint8Array(Buffer.from(sealed.cipher.nonce, 'base64')),
    new Uint8Array(key),
  );
  if (!opened) {
    throw new MinnowError('KEY_INVALID', `${file}: wrong password for the private key`, {
      subject: file,
      hint: 'set COSIGN_PASSWORD to the password the key was made with',
    });
  }
  return Buffer.from(opened);
}

/** True when a private key file is encrypted (needs a password). */
export function isEncryptedKey(pem: string): boolean {
  const type = pemType(pem);
  return type !== undefined && ENCRYPTED_PEM_TYPES.includes(type);
}

/**
 * Reads a private key: cosign's encrypted format (with `password`) or a PKCS#8 / SEC1 PEM. Only ECDSA P-256 is
 * accepted, the key type cosign makes. `file` names the key in errors; the key and password never appear in one.
 */
export function readPrivateKey(pem: string, password: string | undefined, file = 'private key'): KeyObject {
  const type = pemType(pem);
  let key: KeyObject;
  try {
    if (type && ENCRYPTED_PEM_TYPES.includes(type)) {
      if (password === undefined) {
        throw new MinnowError('KEY_INVALID', `${file} is encrypted: a password is needed`, {
          subject: file,
          hint: 'set COSIGN_PASSWORD, or run on a terminal to be asked',
        });
      }
      let sealed: SealedKey;
      try {
        sealed = JSON.parse(pemBody(pem, type).toString('utf8')) as SealedKey;
      } catch {
        throw new MinnowError('KEY_INVALID', `${file}: not a cosign key file`, { subject: file });
      }
      key = createPrivateKey({ key: unseal(sealed, password, file), format: 'der', type: 'pkcs8' });
    } else if (type === 'PRIVATE KEY' || type === 'EC PRIVATE KEY') {
      key = createPrivateKey({ key: pem, format: 'pem' });
    } else {
      throw new MinnowError('KEY_INVALID', `${file}: not a private key (want a cosign key or a PKCS#8 PEM)`, {
        subject: file,
      });
    }
  } catch (err) {
    if (err instanceof MinnowError) throw err;
    throw new MinnowError('KEY_INVALID', `${file}: unreadable private key`, { subject: file });
  }
  checkP256(key, file);
  return key;
}

/** Reads a PKIX public key PEM (cosign.pub). */
export function readPublicKey(pem: string, file = 'public key'): KeyObject {
  if (pemType(pem) !== 'PUBLIC KEY') {
    throw new MinnowError('KEY_INVALID', `${file}: not a public key (want a PEM "PUBLIC KEY")`, {
      subject: file,
    });
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new MinnowError('KEY_INVALID', `${file}: unreadable public key`, { subject: file });
  }
  checkP256(key, file);
  return key;
}

function checkP256(key: KeyObject, file: string): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new MinnowError('KEY_INVALID', `${file}: only ECDSA P-256 keys are supported`, { subject: file });
  }
}

/** The public key PEM of a private key. */
export function publicKeyPem(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'pem' }).toString();
}

/** A new ECDSA P-256 key pair in cosign's file formats, the private half sealed with `password`. */
export function generateKeyPair(password: string): KeyPairFiles {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const der = privateKey.export({ type: 'pkcs8', format: 'der' });
  const sealed = Buffer.from(JSON.stringify(seal(der, password)));
  return {
    privateKey: pemBlock(ENCRYPTED_PEM_TYPES[0] as string, sealed),
    publicKey: publicKeyPem(privateKey),
  };
}
