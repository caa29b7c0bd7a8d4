import { randomUUID } from 'node:crypto';
import { CompactSign, type CryptoKey, type KeyObject } from 'jose';
import { assertEventAlgorithm } from './event-algorithms.js';
import { EVENT_LIMITS, isAudience, isEventId, SECEVENT_JWT_TYPE } from './security-event-token.js';

/**
 * The key the auth service signs events with (a key that is in its JWKS).
 *
 * @example
 * ```ts
 * const { privateKey } = await generateKeyPair('ES256');
 * const signer: EventSigner = { kid: 'k1', alg: 'ES256', privateKey };
 * ```
 */
export interface EventSigner {
  kid: string;
  alg: string;
  privateKey: CryptoKey | KeyObject;
}

/**
 * Options shared by every event encoder ({@link encodeRevocationEvent}, {@link encodeKeyEvent}, …).
 *
 * @example
 * ```ts
 * const options: EncodeEventOptions = { issuer: 'https://auth.example.com', audience: ['orders-service'], signer };
 * ```
 */
export interface EncodeEventOptions {
  /** `iss` claim: the auth service's issuer URL. */
  issuer: string;
  /** `aud` claim: who the event is for (the resource servers). */
  audience: string | string[];
  signer: EventSigner;
  /** Clock in milliseconds (default `Date.now`); `iat` = floor(now() / 1000). */
  now?: () => number;
  /** `jti` of the SET (default: a random UUID). */
  id?: string;
}

/**
 * Signs one event as a Security Event Token (RFC 8417): compact JWS with header `{ alg, kid, typ: 'secevent+jwt' }`
 * and claims `iss`, `iat`, `jti`, `aud`, `events` holding exactly this event. The per-type encoders check their
 * payload and call this. Throws a `TypeError` for invalid options (programmer misuse).
 *
 * @example
 * ```ts
 * const value = await encodeSecurityEvent(EVENT_TYPES.keyPublished, payload, { issuer, audience, signer });
 * ```
 */
export async function encodeSecurityEvent(type: string, payload: object, options: EncodeEventOptions): Promise<string> {
  const { issuer, audience, signer, now = Date.now, id = randomUUID() } = options;
  if (typeof issuer !== 'string' || issuer.length === 0 || issuer.length > EVENT_LIMITS.maxIssuerLength)
    throw new TypeError('"issuer" must be a non-empty string');
  if (!isAudience(audience)) throw new TypeError('"audience" must be a non-empty string or array of strings');
  if (!isEventId(id)) throw new TypeError('"id" must be a string of 1..256 characters');
  if (!isEventId(signer?.kid)) throw new TypeError('"signer.kid" must be a string of 1..256 characters');
  assertEventAlgorithm(signer.alg, 'signer.alg');
  const claims = { iss: issuer, iat: Math.floor(now() / 1000), jti: id, aud: audience, events: { [type]: payload } };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: SECEVENT_JWT_TYPE })
    .sign(signer.privateKey);
}
