import {
  REVOCATION_EVENT_TARGETS,
  REVOCATION_TARGET_TYPES,
  revocationEventType,
  type Revocation,
} from './revocation.js';
import type { RevocationEventPayload } from './revocation-event.parser.js';
import { EVENT_LIMITS, isEventId, isNumericDate, isReason } from './security-event-token.js';
import { encodeSecurityEvent, type EncodeEventOptions } from './security-event.encoder.js';

/**
 * Signs a revocation as a Security Event Token whose one event has the revocation's `eventType`, by default the
 * type URI of its target type ({@link revocationEventType}). Throws a `TypeError` for an invalid revocation or options (programmer misuse).
 *
 * @example
 * ```ts
 * const value = await encodeRevocationEvent(
 *   { target: { type: 'jti', value: jti }, revokedAt: nowS, expiresAt: tokenExp, reason: 'user logout' },
 *   { issuer: 'https://auth.example.com', audience: ['orders-service', 'billing-service'], signer },
 * );
 * await producer.send(TOPICS.revocations, [{ key: revocationRecordKey({ type: 'jti', value: jti }), value }]);
 * ```
 */
export async function encodeRevocationEvent(revocation: Revocation, options: EncodeEventOptions): Promise<string> {
  assertRevocation(revocation);
  const { target, revokedAt, expiresAt, reason } = revocation;
  const payload: RevocationEventPayload = {
    subject: { format: 'opaque', id: target.value },
    target_type: target.type,
    revoked_at: revokedAt,
    expires_at: expiresAt,
    ...(reason === undefined ? {} : { reason }),
  };
  return encodeSecurityEvent(revocationEventType(revocation), payload, options);
}

/**
 * Throws a `TypeError` naming the field when `revocation` could not travel as an event (the checks of
 * {@link encodeRevocationEvent}, shared with the snapshot encoder).
 *
 * @example
 * ```ts
 * assertRevocation({ target: { type: 'jti', value: 'abc' }, revokedAt: nowS, expiresAt: nowS + 300 });
 * ```
 */
export function assertRevocation(revocation: Revocation): void {
  const { target, revokedAt, expiresAt, reason, eventType } = revocation ?? {};
  if (!REVOCATION_TARGET_TYPES.includes(target?.type)) throw new TypeError('"revocation.target.type" is invalid');
  if (eventType !== undefined && REVOCATION_EVENT_TARGETS[eventType] !== target.type) {
    throw new TypeError('"revocation.eventType" is not an event type of its target type');
  }
  if (!isEventId(target.value)) throw new TypeError('"revocation.target.value" must be a string of 1..256 characters');
  if (!isNumericDate(revokedAt)) throw new TypeError('"revocation.revokedAt" must be a NumericDate (integer s)');
  if (!isNumericDate(expiresAt) || expiresAt < revokedAt) {
    throw new TypeError('"revocation.expiresAt" must be a NumericDate >= revokedAt');
  }
  if (!isReason(reason)) {
    throw new TypeError(`"revocation.reason" must be a string of at most ${EVENT_LIMITS.maxReasonLength} characters`);
  }
}
