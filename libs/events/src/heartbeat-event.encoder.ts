import { EVENT_TYPES } from './event-types.js';
import { isHeartbeatInterval, MAX_HEARTBEAT_INTERVAL_SECONDS, type Heartbeat } from './heartbeat.js';
import type { HeartbeatEventPayload } from './heartbeat-event.parser.js';
import { isEventId } from './security-event-token.js';
import { encodeSecurityEvent, type EncodeEventOptions } from './security-event.encoder.js';

/**
 * Signs a heartbeat as a Security Event Token of type `urn:auth-layer:secevent:heartbeat` with the payload
 * `{ instance, sequence, sent_at, interval_seconds }`; `sent_at` and the SET's `iat` are read from one `now()`.
 * Throws a `TypeError` for an invalid heartbeat or options (programmer misuse).
 *
 * @example
 * ```ts
 * const value = await encodeHeartbeatEvent(
 *   { instance, sequence: 41, intervalSeconds: 5 },
 *   { issuer: 'https://auth.example.com', audience: ['orders-service', 'billing-service'], signer },
 * );
 * await producer.send(TOPICS.revocations, [{ key: HEARTBEAT_RECORD_KEY, value }]);
 * ```
 */
export async function encodeHeartbeatEvent(heartbeat: Heartbeat, options: EncodeEventOptions): Promise<string> {
  const { instance, sequence, intervalSeconds } = heartbeat ?? {};
  if (!isEventId(instance)) throw new TypeError('"heartbeat.instance" must be a string of 1..256 characters');
  if (!Number.isSafeInteger(sequence) || sequence < 0) {
    throw new TypeError('"heartbeat.sequence" must be a non-negative integer');
  }
  if (!isHeartbeatInterval(intervalSeconds)) {
    throw new TypeError(
      `"heartbeat.intervalSeconds" must be a whole number of seconds, 1..${MAX_HEARTBEAT_INTERVAL_SECONDS}`,
    );
  }
  const sentAtMs = (options.now ?? Date.now)();
  const payload: HeartbeatEventPayload = {
    instance,
    sequence,
    sent_at: Math.floor(sentAtMs / 1000),
    interval_seconds: intervalSeconds,
  };
  return encodeSecurityEvent(EVENT_TYPES.heartbeat, payload, { ...options, now: () => sentAtMs });
}
