import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Revocation } from '@app/events';
import { AUDIT_EVENTS } from '../audit/audit-log.service.js';
import { Clock } from '../common/clock.js';
import { OutboxAcks } from '../outbox/outbox.acks.js';
import { RevocationRecorder, type RecordedRevocation } from '../revocations/revocation.recorder.js';
import type { TokenRevocationOutcome } from '../revocations/token-revocation.service.js';
import { Database, type SqlExecutor } from '../storage/database.js';
import { hashRefreshToken } from './refresh-token.js';
import { endSessions, SESSION_END_REASONS } from './session-end.js';
import { findRefreshToken, type SessionState } from './session.repository.js';

/** Why a session is revoked (not merely ended): its access tokens must be refused at once too. */
export type SessionRevocationReason =
  typeof SESSION_END_REASONS.logout | typeof SESSION_END_REASONS.refreshTokenReuse | typeof SESSION_END_REASONS.revoked;

/**
 * Revokes a whole session: ends it (its refresh tokens die with it) and records ONE `sid` revocation — a CAEP
 * `session-revoked` event through the outbox, audited `session.revoked` — that refuses every access token of the
 * session at every service until the latest of them has expired.
 *
 * @example
 * await db.transaction((tx) => revoker.revoke(tx, session, SESSION_END_REASONS.refreshTokenReuse, client.id));
 * signal.notify();
 */
@Injectable()
export class SessionRevoker {
  private readonly logger = new Logger(SessionRevoker.name);

  constructor(
    @Inject(RevocationRecorder) private readonly recorder: RevocationRecorder,
    @Inject(OutboxAcks) private readonly acks: OutboxAcks,
    @Inject(Database) private readonly db: Database,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * Inside the caller's transaction, which holds the session row; the caller wakes the relay after commit. `why`: the
   * audited reason, when it says more than `reason` (an admin's text). Returns the recorded revocation, `undefined`
   * when it changed nothing (the session was revoked before, until as late).
   */
  async revoke(
    tx: SqlExecutor,
    session: SessionState,
    reason: SessionRevocationReason,
    actor: string,
    why: string = reason,
  ): Promise<RecordedRevocation | undefined> {
    const nowS = this.clock.now() / 1000;
    await endSessions(tx, { sid: session.sid }, reason, nowS);
    const revokedAt = Math.floor(nowS);
    const revocation: Revocation = {
      target: { type: 'sid', value: session.sid },
      revokedAt,
      // Resource servers keep the entry for their clock tolerance beyond it, as for a token revocation.
      expiresAt: Math.max(Math.ceil(session.accessTokensExpireAt), revokedAt),
      reason: why,
    };
    return this.recorder.record(tx, revocation, {
      type: AUDIT_EVENTS.sessionRevoked,
      actor,
      details: { sid: session.sid, sub: session.userId, clientId: session.clientId, reason: why },
    });
  }

  /**
   * RFC 7009 for a refresh token: any refresh token of the session, live or already rotated, revokes the session
   * (logout). Unknown: `invalid`; another client's: `not_ours`; a session already ended: `already_revoked`. Once
   * revoked, waits (bounded) for the broker to acknowledge the event, as an access token's revocation does.
   */
  async revokeByRefreshToken(clientId: string, token: string): Promise<TokenRevocationOutcome> {
    const { outcome, sid, outboxId } = await this.db.transaction(
      async (tx): Promise<{ outcome: TokenRevocationOutcome; sid?: string; outboxId?: string }> => {
        const found = await findRefreshToken(tx, hashRefreshToken(token), { lock: true });
        if (found === undefined) return { outcome: 'invalid' };
        const { session } = found;
        if (session.clientId !== clientId) return { outcome: 'not_ours' };
        if (session.endedAt !== null) return { outcome: 'already_revoked', sid: session.sid };
        const recorded = await this.revoke(tx, session, SESSION_END_REASONS.logout, clientId);
        return { outcome: 'revoked', sid: session.sid, outboxId: recorded?.outboxId };
      },
    );
    const acked = outboxId !== undefined && (await this.acks.committed([outboxId]));
    this.logger.log({ msg: 'refresh token revocation', client_id: clientId, outcome, sid, acked });
    return outcome;
  }
}
