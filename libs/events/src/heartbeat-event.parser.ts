import { EVENT_TYPES } from './event-types.js';
import { failEvent } from './event-verification.error.js';
import { isHeartbeatInterval, type VerifiedHeartbeat } from './heartbeat.js';
import { isEventId, isNumericDate } from './security-event-token.js';
import type { VerifiedSecurityEvent } from './security-event.verifier.js';

/**
 * The JSON payload of a heartbeat event inside `events["urn:auth-layer:secevent:heartbeat"]`.
 *
 * @example
 * ```ts
 * const payload: HeartbeatEventPayload = { instance: 'a1b2…', sequence: 41, sent_at: 1_790_000_000, interval_seconds: 5 };
 * ```
 */
export interface HeartbeatEventPayload {
  instance: string;
  sequence: number;
  /** NumericDate (s); always the SET's `iat`, so the payload alone says when it was sent. */
  sent_at: number;
  interval_seconds: number;
}

/**
 * Reads a heartbeat out of a verified event: an `instance` id, a non-negative integer `sequence`, `sent_at` equal to
 * the SET's `iat` (one send time, not two that could disagree) and an `interval_seconds` of 1..3600
 * (`MAX_HEARTBEAT_INTERVAL_SECONDS`). Clock-free: how old the heartbeat is, is the consumer's question.
 * Throws {@link EventVerificationError} (`ERR_EVENT_CLAIMS_INVALID`) for a bad payload.
 *
 * @example
 * ```ts
 * staleness.observe(parseHeartbeatEvent(await verifySecurityEvent(record.value, options)));
 * ```
 */
export function parseHeartbeatEvent(event: VerifiedSecurityEvent): VerifiedHeartbeat {
  if (event.type !== EVENT_TYPES.heartbeat) failEvent('ERR_EVENT_TYPE_UNKNOWN', 'not a heartbeat event');
  const { instance, sequence, sent_at: sentAt, interval_seconds: intervalSeconds } = event.payload;
  if (!isEventId(instance)) failEvent('ERR_EVENT_CLAIMS_INVALID', 'invalid "instance"');
  if (!isCount(sequence)) failEvent('ERR_EVENT_CLAIMS_INVALID', 'invalid "sequence"');
  if (!isNumericDate(sentAt) || sentAt !== event.issuedAt) {
    failEvent('ERR_EVENT_CLAIMS_INVALID', '"sent_at" is not the event\'s "iat"');
  }
  if (!isHeartbeatInterval(intervalSeconds)) failEvent('ERR_EVENT_CLAIMS_INVALID', 'invalid "interval_seconds"');
  return { instance, sequence, intervalSeconds, eventId: event.eventId, issuedAt: event.issuedAt };
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
