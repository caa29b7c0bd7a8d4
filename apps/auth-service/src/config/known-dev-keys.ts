import { createHash } from 'node:crypto';

/**
 * SHA-256 fingerprints of the key material published in `config/dev-seed.json` (DEV ONLY). Fingerprints rather
 * than the file, so production refuses these keys even where the seed file is not deployed;
 * `known-dev-keys.spec.ts` keeps the list in step with the file.
 */
const DEV_KEY_FINGERPRINTS: ReadonlySet<string> = new Set([
  'cd49d7e8191406edb2caf47d545a9880f4386e13016eb5a2bb66ba2a6ff36fd1', // keyEncryptionKey
  '737a866c505c2ee39b390c5b58d68096145abe378fe7ab63adca9940ab545171', // clientSecretHashKey
]);

/**
 * Is `key` one of the keys published in the dev seed? Such a key protects nothing: anyone can read it.
 *
 * @example
 * if (mode === 'production' && isKnownDevKey(kek)) throw new TypeError('AUTH_KEY_ENCRYPTION_KEY is the dev seed key');
 */
export function isKnownDevKey(key: Uint8Array): boolean {
  return DEV_KEY_FINGERPRINTS.has(createHash('sha256').update(key).digest('hex'));
}
