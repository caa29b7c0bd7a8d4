import type { SqlExecutor } from '../storage/database.js';

/** Why a session ended (`sessions.end_reason`). */
export const SESSION_END_REASONS = {
  /** The client revoked its refresh token (RFC 7009) or an access token's session. */
  logout: 'logout',
  /** A dead refresh token was presented again: the session is treated as stolen. */
  refreshTokenReuse: 'refresh_token_reuse',
  /** Past the absolute session lifetime. */
  expired: 'expired',
  /** No refresh within the idle timeout. */
  idle: 'idle',
  /** An admin revoked the session, its user (subject) or its client. */
  revoked: 'revoked',
  /** The user was disabled. */
  userDisabled: 'user_disabled',
  /** The user's password changed. */
  credentialChange: 'credential_change',
} as const;
export type SessionEndReason = (typeof SESSION_END_REASONS)[keyof typeof SESSION_END_REASONS];

/** Whose sessions end: one session, every session of a user, or every session opened through a client. */
export type SessionOwner = { sid: string } | { userId: string } | { clientId: string };

/**
 * Ends the owner's open sessions inside the caller's transaction (ended sessions keep their first end) and returns
 * the ids of the sessions it ended. Ending a session only stops its refresh tokens; the access tokens already issued
 * are refused through a revocation (`sid`, `sub` or `client`) the caller records in the same transaction.
 *
 * @example
 * await db.transaction(async (tx) => {
 *   await endSessions(tx, { userId }, SESSION_END_REASONS.userDisabled, nowS);
 *   await recorder.record(tx, subjectRevocation, auditEntry);
 * });
 */
export async function endSessions(
  tx: SqlExecutor,
  owner: SessionOwner,
  reason: SessionEndReason,
  nowS: number,
): Promise<string[]> {
  const [column, value] =
    'sid' in owner ? ['sid', owner.sid] : 'userId' in owner ? ['user_id', owner.userId] : ['client_id', owner.clientId];
  const rows = await tx.query<{ sid: string }>(
    `UPDATE sessions SET ended_at = to_timestamp($2), end_reason = $3
      WHERE ${column} = $1 AND ended_at IS NULL RETURNING sid`,
    [value, nowS, reason],
  );
  return rows.map((row) => row.sid);
}
