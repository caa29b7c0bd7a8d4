import { randomUUID } from 'node:crypto';
import { CompactSign, type CryptoKey, type KeyObject } from 'jose';
import { assertEventAlgorithm } from './event-algorithms.js';
import { REVOCATION_EVENT_TYPES, REVOCATION_TARGET_TYPES, type Revocation } from './revocation.js';
import {
  EVENT_LIMITS,
  isAudience,
  isEventId,
  isNumericDate,
  isReason,
  SECEVENT_JWT_TYPE,
  type RevocationEventPayload,
} from './security-event-token.js';

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

/** Options of {@link encodeRevocationEvent}. */
export interface EncodeRevocationEventOptions {
  /** `iss` claim: the auth service's issuer URL. */
  issuer: string;
  /** `aud` claim: who the event is for (the resource servers). */
  audience: string | string[];
  signer: EventSigner;
  /** Clock in milliseconds (default `Date.now`); `iat` = floor(now() / 1000). */
  now?: () => number;
  /** `jti` of the SET (default: a random UUID). Pass the outbox row id to keep it stable across retries. */
  id?: string;
}

/**
 * Signs a revocation as a Security Event Token (RFC 8417): compact JWS with header
 * `{ alg, kid, typ: 'secevent+jwt' }` and claims `iss`, `iat`, `jti`, `aud`, `events` (exactly one event whose
 * type URI matches the target type, see {@link REVOCATION_EVENT_TYPES}).
 * Throws a `TypeError` for an invalid revocation or options (programmer misuse).
 *
 * @example
 * ```ts
 * const value = await encodeRevocationEvent(
 *   { target: { type: 'jti', value: jti }, revokedAt: nowS, expiresAt: tokenExp, reason: 'user logout' },
 *   { issuer: 'http://127.0.0.1:3000', audience: ['orders-service', 'billing-service'], signer },
 * );
 * await producer.send(TOPICS.revocations, [{ key: revocationRecordKey({ type: 'jti', value: jti }), value }]);
 * ```
 */
export async function encodeRevocationEvent(
  revocation: Revocation,
  options: EncodeRevocationEventOptions,
): Promise<string> {
  assertRevocation(revocation);
  const { issuer, audience, signer, now = Date.now, id = randomUUID() } = options;
  if (typeof issuer !== 'string' || issuer.length === 0 || issuer.length > EVENT_LIMITS.maxIssuerLength)
    throw new TypeError('"issuer" must be a non-empty string');
  if (!isAudience(audience)) throw new TypeError('"audience" must be a non-empty string or array of strings');
  if (!isEventId(id)) throw new TypeError('"id" must be a string of 1..256 characters');
  if (!isEventId(signer?.kid)) throw new TypeError('"signer.kid" must be a string of 1..256 characters');
  assertEventAlgorithm(signer.alg, 'signer.alg');

  const { target, revokedAt, expiresAt, reason } = revocation;
  const event: RevocationEventPayload = {
    subject: { format: 'opaque', id: target.value },
    target_type: target.type,
    revoked_at: revokedAt,
    expires_at: expiresAt,
    ...(reason === undefined ? {} : { reason }),
  };
  const claims = {
    iss: issuer,
    iat: Math.floor(now() / 1000),
    jti: id,
    aud: audience,
    events: { [REVOCATION_EVENT_TYPES[target.type]]: event },
  };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: SECEVENT_JWT_TYPE })
    .sign(signer.privateKey);
}

function assertRevocation(revocation: Revocation): void {
  const { target, revokedAt, expiresAt, reason } = revocation ?? {};
  if (!REVOCATION_TARGET_TYPES.includes(target?.type)) throw new TypeError('"revocation.target.type" is invalid');
  if (!isEventId(target.value)) throw new TypeError('"revocation.target.value" must be a string of 1..256 characters');
  if (!isNumericDate(revokedAt)) throw new TypeError('"revocation.revokedAt" must be a NumericDate (integer s)');
  if (!isNumericDate(expiresAt) || expiresAt < revokedAt) {
    throw new TypeError('"revocation.expiresAt" must be a NumericDate >= revokedAt');
  }
  if (!isReason(reason)) {
    throw new TypeError(`"revocation.reason" must be a string of at most ${EVENT_LIMITS.maxReasonLength} characters`);
  }
}
