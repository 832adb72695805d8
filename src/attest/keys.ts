import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  scrypt as scryptCallback,
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

function scryptOptions(params: { N: number; r: number; p: number }) {
  // N=32768, r=8 needs 32 MiB; allow room for keys made with larger parameters.
  return { ...params, maxmem: 512 * 1024 * 1024 };
}

function scrypt(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Buffer {
  return scryptSync(Buffer.from(password, 'utf8'), salt, 32, scryptOptions(params));
}

/** The same derivation on libuv's thread pool: ~100 ms of CPU that need not hold the event loop. */
function scryptAsync(
  password: string,
  salt: Buffer,
  params: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(Buffer.from(password, 'utf8'), salt, 32, scryptOptions(params), (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
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

/** The scrypt inputs of a sealed key, checked: what to derive the box key from. */
function kdfOf(
  sealed: SealedKey,
  file: string,
): { salt: Buffer; params: { N: number; r: number; p: number } } {
  if (sealed.kdf?.name !== 'scrypt' || sealed.cipher?.name !== 'nacl/secretbox') {
    throw new MinnowError('KEY_INVALID', `${file}: unsupported key encryption`, { subject: file });
  }
  const { N, r, p } = sealed.kdf.params;
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > 1 << 20) {
    throw new MinnowError('KEY_INVALID', `${file}: invalid scrypt parameters`, { subject: file });
  }
  return { salt: Buffer.from(sealed.kdf.salt, 'base64'), params: { N, r, p } };
}

function openBox(sealed: SealedKey, key: Buffer, file: string): Buffer {
  let opened: Uint8Array | null;
  try {
    opened = nacl.secretbox.open(
      new Uint8Array(Buffer.from(sealed.ciphertext, 'base64')),
      new Uint8Array(Buffer.from(sealed.cipher.nonce, 'base64')),
      new Uint8Array(key),
    );
  } catch {
    // A nonce or ciphertext of the wrong size: a damaged file, not a wrong password.
    throw new MinnowError('KEY_INVALID', `${file}: unreadable private key`, { subject: file });
  }
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

/** A private key file, parsed: a plain PEM, or cosign's sealed JSON still to be opened with the password. */
type ParsedKey = { kind: 'pem'; pem: string } | { kind: 'sealed'; sealed: SealedKey; password: string };

function parsePrivateKey(pem: string, password: string | undefined, file: string): ParsedKey {
  const type = pemType(pem);
  if (type && ENCRYPTED_PEM_TYPES.includes(type)) {
    if (password === undefined) {
      throw new MinnowError('KEY_INVALID', `${file} is encrypted: a password is needed`, {
        subject: file,
        hint: 'set COSIGN_PASSWORD, or run on a terminal to be asked',
      });
    }
    try {
      return {
        kind: 'sealed',
        sealed: JSON.parse(pemBody(pem, type).toString('utf8')) as SealedKey,
        password,
      };
    } catch {
      throw new MinnowError('KEY_INVALID', `${file}: not a cosign key file`, { subject: file });
    }
  }
  if (type === 'PRIVATE KEY' || type === 'EC PRIVATE KEY') return { kind: 'pem', pem };
  throw new MinnowError('KEY_INVALID', `${file}: not a private key (want a cosign key or a PKCS#8 PEM)`, {
    subject: file,
  });
}

function unreadable(file: string): MinnowError {
  return new MinnowError('KEY_INVALID', `${file}: unreadable private key`, { subject: file });
}

/** A derivation that fails (parameters scrypt refuses) is an unreadable key, never a raw crypto error. */
function derived(file: string, derive: () => Buffer): Buffer {
  try {
    return derive();
  } catch {
    throw unreadable(file);
  }
}

/** The KeyObject of opened DER or a plain PEM, checked to be P-256; the key never reaches an error message. */
function toKey(parsed: ParsedKey, der: Buffer | undefined, file: string): KeyObject {
  let key: KeyObject;
  try {
    key =
      parsed.kind === 'pem'
        ? createPrivateKey({ key: parsed.pem, format: 'pem' })
        : createPrivateKey({ key: der!, format: 'der', type: 'pkcs8' });
  } catch {
    throw new MinnowError('KEY_INVALID', `${file}: unreadable private key`, { subject: file });
  }
  checkP256(key, file);
  return key;
}

/**
 * Reads a private key: cosign's encrypted format (with `password`) or a PKCS#8 / SEC1 PEM. Only ECDSA P-256 is
 * accepted, the key type cosign makes. `file` names the key in errors; the key and password never appear in one.
 */
export function readPrivateKey(pem: string, password: string | undefined, file = 'private key'): KeyObject {
  const parsed = parsePrivateKey(pem, password, file);
  if (parsed.kind === 'pem') return toKey(parsed, undefined, file);
  const { salt, params } = kdfOf(parsed.sealed, file);
  const key = derived(file, () => scrypt(parsed.password, salt, params));
  return toKey(parsed, openBox(parsed.sealed, key, file), file);
}

/** `readPrivateKey` with the password's scrypt run off the event loop, so it can overlap other work. */
export async function loadPrivateKey(
  pem: string,
  password: string | undefined,
  file = 'private key',
): Promise<KeyObject> {
  const parsed = parsePrivateKey(pem, password, file);
  if (parsed.kind === 'pem') return toKey(parsed, undefined, file);
  const { salt, params } = kdfOf(parsed.sealed, file);
  const key = await scryptAsync(parsed.password, salt, params).catch(() => {
    throw unreadable(file);
  });
  return toKey(parsed, openBox(parsed.sealed, key, file), file);
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
