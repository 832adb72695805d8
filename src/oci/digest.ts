import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { MinnowError } from '../errors.js';

/** A content digest such as `sha256:4f...`. Branded so a plain string is not taken for a checked one. */
export type Digest = string & { readonly __brand: 'Digest' };

const DIGEST_RE = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/** Parses and checks a digest string; throws INVALID_ARGUMENT when it is not one. */
export function parseDigest(value: string): Digest {
  if (!DIGEST_RE.test(value)) {
    throw new MinnowError(
      'INVALID_ARGUMENT',
      `invalid digest "${value}": want sha256:<64 hex> or sha512:<128 hex>`,
      {
        subject: value,
      },
    );
  }
  return value as Digest;
}

export function isDigest(value: unknown): value is Digest {
  return typeof value === 'string' && DIGEST_RE.test(value);
}

/** The algorithm part (`sha256`). */
export function digestAlgorithm(digest: Digest): 'sha256' | 'sha512' {
  return digest.slice(0, digest.indexOf(':')) as 'sha256' | 'sha512';
}

/** The hex part, which names blob files in an OCI layout. */
export function digestHex(digest: Digest): string {
  return digest.slice(digest.indexOf(':') + 1);
}

/** The sha256 digest of bytes held in memory (manifests, configs). */
export function sha256(data: Buffer | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}` as Digest;
}

/**
 * A pass-through stream that hashes and counts what flows through it, so a digest and a size come out of the same
 * pass that writes or reads the bytes.
 */
export class DigestingStream extends Transform {
  #hash: Hash;
  #algorithm: 'sha256' | 'sha512';
  #size = 0;
  #digest: Digest | undefined;

  constructor(algorithm: 'sha256' | 'sha512' = 'sha256') {
    super();
    this.#algorithm = algorithm;
    this.#hash = createHash(algorithm);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.#digest = `${this.#algorithm}:${this.#hash.digest('hex')}` as Digest;
    done();
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.#size;
  }

  /** The digest; available once the stream has ended. */
  get digest(): Digest {
    if (this.#digest === undefined) throw new MinnowError('INTERNAL', 'digest read before the stream ended');
    return this.#digest;
  }
}

/**
 * A pass-through stream that fails with DIGEST_MISMATCH at the end when the bytes do not hash to `expected` (or
 * their count differs from `expectedSize`), and as soon as more than `expectedSize` bytes arrive. Every blob minnow
 * reads goes through one, so corrupt content is never accepted silently.
 */
export function verifyingStream(expected: Digest, expectedSize?: number, subject?: string): Transform {
  const hash = createHash(digestAlgorithm(expected));
  let size = 0;
  const what = subject ?? expected;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (expectedSize !== undefined && size > expectedSize) {
        done(
          new MinnowError(
            'DIGEST_MISMATCH',
            `${what}: content is larger than the ${expectedSize} bytes declared`,
            {
              subject: what,
            },
          ),
        );
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      const actual = `${digestAlgorithm(expected)}:${hash.digest('hex')}`;
      if (expectedSize !== undefined && size !== expectedSize) {
        done(
          new MinnowError(
            'DIGEST_MISMATCH',
            `${what}: got ${size} bytes, the descriptor declares ${expectedSize}`,
            {
              subject: what,
            },
          ),
        );
      } else if (actual !== expected) {
        done(
          new MinnowError('DIGEST_MISMATCH', `${what}: content hashes to ${actual}, want ${expected}`, {
            subject: what,
          }),
        );
      } else {
        done();
      }
    },
  });
}

/** Throws DIGEST_MISMATCH when in-memory bytes do not match a descriptor. */
export function verifyBytes(data: Buffer, expected: Digest, expectedSize?: number, subject?: string): void {
  const what = subject ?? expected;
  if (expectedSize !== undefined && data.length !== expectedSize) {
    throw new MinnowError(
      'DIGEST_MISMATCH',
      `${what}: got ${data.length} bytes, the descriptor declares ${expectedSize}`,
      {
        subject: what,
      },
    );
  }
  const actual = `${digestAlgorithm(expected)}:${createHash(digestAlgorithm(expected)).update(data).digest('hex')}`;
  if (actual !== expected) {
    throw new MinnowError('DIGEST_MISMATCH', `${what}: content hashes to ${actual}, want ${expected}`, {
      subject: what,
    });
  }
}
