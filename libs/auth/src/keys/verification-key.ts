import type { CryptoKey, KeyObject } from 'jose';

/** A public key imported once, bound to the one algorithm it may verify. */
export interface VerificationKey {
  readonly kid: string;
  readonly alg: string;
  readonly key: CryptoKey | KeyObject;
}

/**
 * Port: where verifiers get keys by `kid`. Rejects with `InvalidTokenError('ERR_TOKEN_KEY_UNKNOWN')`
 * for a key that is not published and with `KeySourceUnavailableError` when the source cannot be read.
 */
export abstract class KeyResolver {
  abstract getKey(kid: string): Promise<VerificationKey>;
}
