/**
 * The Kafka record key of every heartbeat, whoever sends it. One key for all of them, so compaction keeps a single
 * heartbeat on the topic (the newest) instead of one per interval, or one per auth-service instance ever started.
 *
 * @example
 * ```ts
 * await producer.send(TOPICS.revocations, [{ key: HEARTBEAT_RECORD_KEY, value: await encodeHeartbeatEvent(beat, options) }]);
 * ```
 */
export const HEARTBEAT_RECORD_KEY = 'heartbeat';

/** Longest heartbeat interval a sender may announce (and a parser accepts), in seconds. */
export const MAX_HEARTBEAT_INTERVAL_SECONDS = 3_600;

/**
 * One heartbeat of the auth service: "the stream was live, and every revocation committed before this one's `iat`
 * is on the topic ahead of it". Only the instance holding the outbox relay sends them.
 *
 * @example
 * ```ts
 * const beat: Heartbeat = { instance: randomUUID(), sequence: 0, intervalSeconds: 5 };
 * ```
 */
export interface Heartbeat {
  /** Id of the sending auth-service process (random per start), so a consumer can tell a failover from a gap. */
  instance: string;
  /** 0 for the instance's first heartbeat, then +1 per heartbeat it sends. */
  sequence: number;
  /** Seconds until the sender's next heartbeat (1..{@link MAX_HEARTBEAT_INTERVAL_SECONDS}). */
  intervalSeconds: number;
}

/**
 * A {@link Heartbeat} read back from a verified SET, with the SET's `jti` and `iat` (= its `sent_at`).
 *
 * @example
 * ```ts
 * const beat: VerifiedHeartbeat = parseHeartbeatEvent(await verifySecurityEvent(record.value, options));
 * const ageSeconds = Date.now() / 1000 - beat.issuedAt;
 * ```
 */
export type VerifiedHeartbeat = Heartbeat & { eventId: string; issuedAt: number };

/**
 * True for a whole number of seconds a heartbeat interval may be.
 *
 * @example
 * ```ts
 * isHeartbeatInterval(5); // true
 * ```
 */
export function isHeartbeatInterval(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= MAX_HEARTBEAT_INTERVAL_SECONDS;
}
