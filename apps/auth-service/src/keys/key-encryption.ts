import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * A private key could not be decrypted: wrong key-encryption key, wrong kid (AAD) or tampered ciphertext.
 *
 * @example
 * try { decryptPrivateKey(blob, kek, kid); } catch (e) { if (e instanceof KeyDecryptionError) ... }
 */
export class KeyDecryptionError extends Error {
  readonly code = 'ERR_KEY_DECRYPTION_FAILED' as const;
  constructor(
    readonly kid: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot decrypt private key ${kid}`, options);
    this.name = 'KeyDecryptionError';
  }
}

function checkKek(kek: Uint8Array): void {
  if (kek.length !== 32) throw new TypeError('key-encryption key must be 32 bytes (AES-256)');
}

/**
 * Encrypts a private key (e.g. its JWK JSON) with AES-256-GCM under the key-encryption key, binding it to
 * its `kid` as additional authenticated data. Returns base64url(version || iv || tag || ciphertext).
 *
 * @example
 * const blob = encryptPrivateKey(Buffer.from(JSON.stringify(privateJwk)), kek, kid);
 */
export function encryptPrivateKey(plaintext: Uint8Array, kek: Uint8Array, kid: string): string {
  checkKek(kek);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(kid, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT_VERSION), iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
}

/**
 * Reverses {@link encryptPrivateKey}; throws {@link KeyDecryptionError} when the KEK, the kid or the blob is wrong.
 *
 * @example
 * const jwk = JSON.parse(decryptPrivateKey(blob, kek, kid).toString('utf8'));
 */
export function decryptPrivateKey(blob: string, kek: Uint8Array, kid: string): Buffer {
  checkKek(kek);
  const bytes = Buffer.from(blob, 'base64url');
  if (bytes.length < 1 + IV_BYTES + TAG_BYTES + 1 || bytes[0] !== FORMAT_VERSION) throw new KeyDecryptionError(kid);
  const iv = bytes.subarray(1, 1 + IV_BYTES);
  const tag = bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const ciphertext = bytes.subarray(1 + IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, iv);
    decipher.setAAD(Buffer.from(kid, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch (error) {
    throw new KeyDecryptionError(kid, { cause: error });
  }
}
