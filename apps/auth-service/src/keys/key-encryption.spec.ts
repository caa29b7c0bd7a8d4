import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { decryptPrivateKey, encryptPrivateKey, KeyDecryptionError } from './key-encryption.js';

const kek = randomBytes(32);
const plaintext = Buffer.from(JSON.stringify({ kty: 'EC', crv: 'P-256', d: 'private-part' }), 'utf8');

function decryptionError(run: () => unknown): KeyDecryptionError {
  try {
    run();
  } catch (error) {
    if (error instanceof KeyDecryptionError) return error;
    throw error;
  }
  throw new Error('expected a KeyDecryptionError');
}

describe('private key encryption (AES-256-GCM, AAD = kid)', () => {
  it('round-trips and never stores the plaintext', () => {
    const blob = encryptPrivateKey(plaintext, kek, 'kid-1');
    expect(decryptPrivateKey(blob, kek, 'kid-1')).toEqual(plaintext);
    expect(Buffer.from(blob, 'base64url').includes(Buffer.from('private-part'))).toBe(false);
  });

  it('uses a fresh IV each time', () => {
    expect(encryptPrivateKey(plaintext, kek, 'kid-1')).not.toBe(encryptPrivateKey(plaintext, kek, 'kid-1'));
  });

  it.each([
    ['a wrong key-encryption key', (blob: string) => decryptPrivateKey(blob, randomBytes(32), 'kid-1')],
    ['another kid (AAD mismatch)', (blob: string) => decryptPrivateKey(blob, kek, 'kid-2')],
    [
      'a tampered ciphertext',
      (blob: string) => {
        const bytes = Buffer.from(blob, 'base64url');
        bytes[bytes.length - 1]! ^= 0x01;
        return decryptPrivateKey(bytes.toString('base64url'), kek, 'kid-1');
      },
    ],
    ['a truncated blob', (blob: string) => decryptPrivateKey(blob.slice(0, 20), kek, 'kid-1')],
  ])('fails with ERR_KEY_DECRYPTION_FAILED for %s', (_name, run) => {
    const blob = encryptPrivateKey(plaintext, kek, 'kid-1');
    const error = decryptionError(() => run(blob));
    expect(error.code).toBe('ERR_KEY_DECRYPTION_FAILED');
    expect(error.kid).toBeDefined();
  });

  it('refuses a key-encryption key that is not 32 bytes (programmer error)', () => {
    expect(() => encryptPrivateKey(plaintext, randomBytes(16), 'kid-1')).toThrow(TypeError);
  });
});
