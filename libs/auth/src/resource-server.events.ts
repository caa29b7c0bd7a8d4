import type { RevocationTargetType } from '@app/events';

/** `token.verified`: a request's token passed every check. Nothing of the token beyond who signed it and for whom. */
export interface TokenVerifiedEvent {
  readonly kid: string;
  readonly clientId: string;
}

/** `token.rejected`: a request was refused; `code` is the `AuthError` code its answer carries as `errorCode`. */
export interface TokenRejectedEvent {
  readonly code: string;
}

/** `event.applied`: a verified security event changed (or confirmed) local state. */
export interface EventAppliedEvent {
  readonly topic: string;
  /** The security event type URI. */
  readonly type: string;
  /** `iat` of the event (NumericDate, whole seconds). */
  readonly issuedAt: number;
  /** When it was applied, in epoch milliseconds (the server's clock). */
  readonly appliedAt: number;
  /** The feed had caught up before this record arrived: it was published while this service ran, not replayed. */
  readonly live: boolean;
  /** The Kafka record key (`jti:<id>`, `kid`, …): what ties it to the auth service's outbox row. */
  readonly key: string | null;
  /**
   * Epoch milliseconds with sub-ms precision: handed to the feed by the topic reader, verified, applied (for a stage
   * breakdown of propagation; `appliedAt` above is the server clock's, for the lag metric).
   */
  readonly stages: { readonly receivedAt: number; readonly verifiedAt: number; readonly appliedAt: number };
}

/** `event.dropped`: a record that did not verify was skipped; `code` says why (`EventVerificationError` codes). */
export interface EventDroppedEvent {
  readonly topic: string;
  readonly code: string;
}

/**
 * The documented vocabulary of a {@link ResourceServer}'s observer hook (`server.events`, a Node `EventEmitter`):
 * metrics and any other observer subscribe to these names instead of the core counting for them. Listeners run on
 * the request and event paths, synchronously: they must be cheap and must not throw.
 *
 * @example
 * ```ts
 * server.events.on('token.rejected', ({ code }) => rejected.inc({ code }));
 * server.events.on('event.applied', ({ topic, issuedAt, appliedAt }) => lag.observe(appliedAt / 1000 - issuedAt));
 * ```
 */
export type ResourceServerEvents = {
  'token.verified': [TokenVerifiedEvent];
  'token.rejected': [TokenRejectedEvent];
  'event.applied': [EventAppliedEvent];
  'event.dropped': [EventDroppedEvent];
};

/** `code` of `token.rejected` for a failure that is not an `AuthError` (a bug or a broken claim policy). */
export const UNEXPECTED_REJECTION_CODE = 'ERR_UNEXPECTED';

/** Live revocation entries per target type, as `ResourceServerStatus.revocations.entriesByType` reports them. */
export type RevocationEntryCounts = Readonly<Record<RevocationTargetType, number>>;
