import { failEvent } from './event-verification.error.js';
import {
  REVOCATION_EVENT_TARGETS,
  REVOCATION_EVENT_TYPES,
  REVOCATION_TARGET_TYPES,
  type RevocationEventType,
  type RevocationTargetType,
  type VerifiedRevocation,
} from './revocation.js';
import { isEventId, isNumericDate, isPlainObject, isReason } from './security-event-token.js';
import type { VerifiedSecurityEvent } from './security-event.verifier.js';

/**
 * The JSON payload of a revocation event inside `events[<type URI>]`.
 *
 * @example
 * ```ts
 * const payload: RevocationEventPayload = {
 *   subject: { format: 'opaque', id: 'session-1' },
 *   target_type: 'sid',
 *   revoked_at: 1_790_000_000,
 *   expires_at: 1_790_000_300,
 * };
 * ```
 */
export interface RevocationEventPayload {
  subject: { format: 'opaque'; id: string };
  target_type: RevocationTargetType;
  revoked_at: number;
  expires_at: number;
  reason?: string;
}

/**
 * Reads the revocation out of a verified event (types, lengths, integer NumericDates, `expires_at >= revoked_at`,
 * the event type URI carrying `target_type`, see {@link REVOCATION_EVENT_TARGETS}: CAEP credential-change and
 * token-claims-change are `sub` cut-offs). `eventType` is set when the URI is not the target type's default. An already expired revocation is still returned: pruning is the
 * consumer's job. Throws {@link EventVerificationError} (`ERR_EVENT_CLAIMS_INVALID`) for a bad payload.
 *
 * @example
 * ```ts
 * index.apply(parseRevocationEvent(await verifySecurityEvent(record.value, options)));
 * ```
 */
export function parseRevocationEvent(event: VerifiedSecurityEvent): VerifiedRevocation {
  const { subject, target_type: targetType, revoked_at: revokedAt, expires_at: expiresAt, reason } = event.payload;
  if (!isTargetType(targetType) || REVOCATION_EVENT_TARGETS[event.type as RevocationEventType] !== targetType) {
    failEvent('ERR_EVENT_CLAIMS_INVALID', '"target_type" does not match the event type');
  }
  if (!isPlainObject(subject) || subject.format !== 'opaque' || !isEventId(subject.id)) {
    failEvent('ERR_EVENT_CLAIMS_INVALID', 'invalid "subject"');
  }
  if (!isNumericDate(revokedAt)) failEvent('ERR_EVENT_CLAIMS_INVALID', 'invalid "revoked_at"');
  if (!isNumericDate(expiresAt) || expiresAt < revokedAt) failEvent('ERR_EVENT_CLAIMS_INVALID', 'invalid "expires_at"');
  if (!isReason(reason)) failEvent('ERR_EVENT_CLAIMS_INVALID', 'invalid "reason"');
  return {
    target: { type: targetType, value: subject.id },
    revokedAt,
    expiresAt,
    ...(reason === undefined ? {} : { reason }),
    ...(REVOCATION_EVENT_TYPES[targetType] === event.type ? {} : { eventType: event.type as RevocationEventType }),
    eventId: event.eventId,
    issuedAt: event.issuedAt,
  };
}

function isTargetType(value: unknown): value is RevocationTargetType {
  return REVOCATION_TARGET_TYPES.includes(value as RevocationTargetType);
}
