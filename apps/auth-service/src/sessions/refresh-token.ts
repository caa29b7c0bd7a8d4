import { createHash, randomBytes } from 'node:crypto';

/** 256 bits from the CSPRNG: the design's floor for refresh tokens. */
const REFRESH_TOKEN_BYTES = 32;

/** What {@link generateRefreshToken} makes: unpadded base64url of 32 bytes (43 characters), no dots unlike a JWT. */
const REFRESH_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

const HASH_PREFIX = 'sha256:';

/**
 * A new opaque refresh token: 32 random bytes (`crypto.randomBytes`), base64url. Shown to the client once, stored
 * only as {@link hashRefreshToken}.
 *
 * @example
 * const refreshToken = generateRefreshToken(); // 'q3J0…' (43 characters)
 */
export function generateRefreshToken(): string {
  return randomBytes(REFRESH_TOKEN_BYTES).toString('base64url');
}

/**
 * Whether `value` has the shape of one of our refresh tokens (anything else is never looked up). Access tokens (JWTs)
 * never have it, so the revocation and introspection endpoints tell the two apart without `token_type_hint`.
 *
 * @example
 * isRefreshToken(generateRefreshToken()); // true
 * isRefreshToken('eyJhbGciOi….eyJpc3Mi….sig'); // false
 */
export function isRefreshToken(value: string): boolean {
  return REFRESH_TOKEN_SHAPE.test(value);
}

/**
 * The stored form of a refresh token: `sha256:` + base64url(SHA-256(token)). A plain hash, not a keyed one like
 * client secrets: the token carries 256 random bits, so no guess can be checked against a stolen table either way,
 * and without a key a rotation of AUTH_CLIENT_SECRET_HASH_KEY does not log every user out.
 *
 * @example
 * await tx.query('SELECT sid FROM refresh_tokens WHERE token_hash = $1', [hashRefreshToken(presented)]);
 */
export function hashRefreshToken(token: string): string {
  return HASH_PREFIX + createHash('sha256').update(token, 'utf8').digest('base64url');
}
