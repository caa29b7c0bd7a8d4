import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'hmac-sha256:';

/**
 * Keyed hash of a client secret: `hmac-sha256:` + base64url(HMAC-SHA256(key, secret)). Secrets have ≥ 256 bits of
 * entropy, so a keyed fast hash is enough; the key (AUTH_CLIENT_SECRET_HASH_KEY) keeps a stolen table useless.
 *
 * @example
 * const stored = hashClientSecret(key, 'dev-only-demo-app-secret');
 */
export function hashClientSecret(key: Uint8Array, secret: string): string {
  return PREFIX + createHmac('sha256', key).update(secret, 'utf8').digest('base64url');
}

/**
 * Constant-time comparison of a presented secret with a stored hash. Pass `undefined` for an unknown client:
 * the same work is done and `false` returned (no client enumeration by timing).
 *
 * @example
 * if (!verifyClientSecret(key, presented, row?.secret_hash)) throw new OAuthError('invalid_client');
 */
export function verifyClientSecret(key: Uint8Array, secret: string, stored: string | undefined): boolean {
  const presented = Buffer.from(hashClientSecret(key, secret), 'utf8');
  const expected = Buffer.from(stored ?? hashClientSecret(key, ''), 'utf8');
  const same = presented.length === expected.length && timingSafeEqual(presented, expected);
  return same && stored !== undefined;
}
