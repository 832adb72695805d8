import { describe, expect, it } from 'vitest';
import { generateKeyPair, loadPrivateKey, readPrivateKey } from '../../src/attest/keys.js';
import { MinnowError } from '../../src/errors.js';

describe("cosign's encrypted key: the sync and the off-thread reader agree, and every failure is one clear line", () => {
  const files = generateKeyPair('right-pass');

  it('opens with the right password, the same key either way', async () => {
    const sync = readPrivateKey(files.privateKey, 'right-pass', 'k.key');
    const async = await loadPrivateKey(files.privateKey, 'right-pass', 'k.key');
    expect(async.export({ format: 'jwk' })).toEqual(sync.export({ format: 'jwk' }));
  });

  it('a wrong password, a missing one and a damaged file: KEY_INVALID naming the file, never the password', async () => {
    const cases: [string, string | undefined, RegExp][] = [
      [files.privateKey, 'wrong-pass', /^k\.key: wrong password for the private key$/],
      [files.privateKey, undefined, /^k\.key is encrypted: a password is needed$/],
      [
        files.privateKey.replace(/[A-Za-z0-9+/]{20}\n/, 'AAAA\n'),
        'right-pass',
        /^k\.key: (not a cosign key file|unreadable private key|wrong password for the private key)$/,
      ],
      ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', 'x', /^k\.key: not a private key/],
    ];
    for (const [pem, password, message] of cases) {
      for (const read of [
        async () => readPrivateKey(pem, password, 'k.key'),
        () => loadPrivateKey(pem, password, 'k.key'),
      ]) {
        const err = await read().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(MinnowError);
        expect((err as MinnowError).code).toBe('KEY_INVALID');
        expect((err as MinnowError).message).toMatch(message);
        expect(JSON.stringify({ m: (err as Error).message, h: (err as MinnowError).hint })).not.toContain(
          'right-pass',
        );
      }
    }
  });
});
