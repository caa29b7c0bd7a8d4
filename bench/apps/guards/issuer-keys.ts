import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';

/** One verification key of the issuer, in each form a peer guard takes it. */
export interface IssuerKey {
  readonly kid: string;
  readonly alg: string;
  /** What node:crypto verifies with (the floor guard). */
  readonly keyObject: KeyObject;
  /** The SPKI PEM string most passport-jwt tutorials pass as `secretOrKey`. */
  readonly pem: string;
}

/**
 * The issuer's public keys, fetched once at boot from its JWKS for the peer guards (ours reads the key set through
 * its own feeds). A DI token: the guards and the passport strategy take it by type.
 */
export abstract class IssuerKeys {
  abstract readonly jwks: JSONWebKeySet;
  abstract readonly byKid: ReadonlyMap<string, IssuerKey>;
  /** The newest key (the JWKS lists it first): passport-jwt's standard setup takes a single key. */
  abstract readonly current: IssuerKey;
}

/** Fetches `${issuer}/.well-known/jwks.json` and builds {@link IssuerKeys}; throws when it lists no key. */
export async function fetchIssuerKeys(issuer: string): Promise<IssuerKeys> {
  const response = await fetch(`${issuer}/.well-known/jwks.json`);
  if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
  const jwks = (await response.json()) as JSONWebKeySet;
  const keys = jwks.keys.map((jwk): IssuerKey => {
    const keyObject = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    return {
      kid: String(jwk.kid),
      alg: String(jwk.alg),
      keyObject,
      pem: keyObject.export({ type: 'spki', format: 'pem' }).toString(),
    };
  });
  if (keys.length === 0) throw new Error('the issuer JWKS lists no key');
  return { jwks, byKid: new Map(keys.map((key) => [key.kid, key])), current: keys[0] };
}
