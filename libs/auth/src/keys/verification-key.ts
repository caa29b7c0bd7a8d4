import type { CryptoKey, KeyObject } from 'jose';

/** A public key imported once, bound to the one algorithm it may verify. */
export interface VerificationKey {
  readonly kid: string;
  readonly alg: string;
  readonly key: CryptoKey | KeyObject;
}

/**
 * Port: where verifiers get keys, by the whole protected header (modelled on jose's `createRemoteJWKSet`, a
 * function of the header). `kid` and `alg` are looked up together, so binding an algorithm to its key is written
 * once, here. Rejects with {@link KeyNotFoundError} when no key has that `kid` and `alg`, and with
 * `KeySourceUnavailableError` when the source cannot be read.
 *
 * @example
 * ```ts
 * const { key } = await keys.resolve({ kid: header.kid, alg: header.alg });
 * ```
 */
export abstract class KeyResolver {
  abstract resolve(header: { readonly kid: string; readonly alg: string }): Promise<VerificationKey>;
}

/**
 * Why a key lookup found nothing: no such `kid` (never seen, or retired), a `kid` whose key is bound to another
 * algorithm, or a revoked key (every token it signed is refused).
 */
export type KeyNotFoundReason = 'unknown' | 'alg-mismatch' | 'revoked';

/**
 * No trusted key has this `kid` with this `alg` (jose's `JWKSNoMatchingKey`): a key-level answer that token and
 * event verification each turn into their own error.
 *
 * @example
 * ```ts
 * if (error instanceof KeyNotFoundError && error.reason === 'revoked') return 'ERR_TOKEN_REVOKED';
 * ```
 */
export class KeyNotFoundError extends Error {
  override readonly name = 'KeyNotFoundError';
  readonly code = 'ERR_KEY_NOT_FOUND';

  constructor(
    readonly kid: string,
    readonly reason: KeyNotFoundReason,
  ) {
    super(`No trusted key ${JSON.stringify(kid)} for that alg (${reason})`);
  }
}
