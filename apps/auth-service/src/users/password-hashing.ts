import argon2 from 'argon2';

/** argon2id parameters (OWASP 2023 minimum: m=19 MiB, t=2, p=1). */
const PASSWORD_HASH_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/**
 * Hashes a password with argon2id; returns the PHC string.
 *
 * @example
 * const stored = await hashPassword('correct horse battery staple');
 */
export async function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, PASSWORD_HASH_OPTIONS);
}

/**
 * Verifies a password against a PHC string; `false` on mismatch (never throws for a wrong password).
 *
 * @example
 * if (!(await verifyPassword(row.password_hash, presented))) throw new OAuthError('invalid_grant');
 */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  return argon2.verify(stored, password);
}
