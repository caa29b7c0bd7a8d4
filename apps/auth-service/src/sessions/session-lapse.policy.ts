import { SESSION_END_REASONS } from './session-end.js';

/** The times that decide how long a session lasts (NumericDate seconds, fractions allowed). */
export interface SessionTimes {
  /** The absolute end: login + AUTH_SESSION_MAX_LIFETIME_SECONDS. */
  expiresAt: number;
  /** The last token issued in the session (login or refresh). */
  lastActiveAt: number;
}

/** Why a session no longer yields tokens although nobody ended it. */
export type SessionLapse = typeof SESSION_END_REASONS.expired | typeof SESSION_END_REASONS.idle;

/**
 * When the session stops yielding tokens unless refreshed before: its absolute end, or the idle timeout after its
 * last use, whichever comes first. Also the `exp` of its live refresh token, which never outlives the session.
 *
 * @example
 * sessionDeadline({ expiresAt: 43_200, lastActiveAt: 1000 }, 1800); // 2800
 */
export function sessionDeadline(session: SessionTimes, idleTimeoutSeconds: number): number {
  return Math.min(session.expiresAt, session.lastActiveAt + idleTimeoutSeconds);
}

/**
 * Whether the session has lapsed at `nowS`, and why: `expired` at or past its absolute end (checked first: it is the
 * harder limit), `idle` at or past its idle deadline; `undefined` while it is usable.
 *
 * @example
 * sessionLapse({ expiresAt: 43_200, lastActiveAt: 1000 }, 2800, 1800); // 'idle'
 */
export function sessionLapse(
  session: SessionTimes,
  nowS: number,
  idleTimeoutSeconds: number,
): SessionLapse | undefined {
  if (nowS >= session.expiresAt) return SESSION_END_REASONS.expired;
  if (nowS >= session.lastActiveAt + idleTimeoutSeconds) return SESSION_END_REASONS.idle;
  return undefined;
}
