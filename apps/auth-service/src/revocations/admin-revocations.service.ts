import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUDIT_EVENTS } from '../audit/audit-log.service.js';
import { Clock } from '../common/clock.js';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { OutboxAcks } from '../outbox/outbox.acks.js';
import { endSessions, SESSION_END_REASONS } from '../sessions/session-end.js';
import { SessionRevoker } from '../sessions/session-revoker.service.js';
import { findSession } from '../sessions/session.repository.js';
import { Database, type SqlExecutor } from '../storage/database.js';
import { longestAcceptanceSeconds } from '../tokens/longest-acceptance.js';
import { RevocationRecorder, type RecordedRevocation } from './revocation.recorder.js';
import { UnknownRevocationTargetError } from './revocation-target.errors.js';

/** What `POST /admin/revocations` revokes: one token (`jti`), a session, a user (subject) or a client. */
export type AdminRevocationType = 'token' | 'session' | 'subject' | 'client';

/** One admin revocation: its type, the id it names, and why (audited, carried by the event). */
export interface AdminRevocationRequest {
  type: AdminRevocationType;
  value: string;
  reason: string;
}

/** The answer: `revokedAt` (NumericDate) is the cut-off; for `subject`/`client`, tokens issued at or before it are refused. */
export interface AdminRevocationResult {
  type: AdminRevocationType;
  value: string;
  revokedAt: number;
}

/**
 * Revocations by an operator (`POST /admin/revocations`), each ONE transaction that writes one compact event through
 * the {@link RevocationRecorder} (audited), then wakes the relay and answers once the broker has acknowledged the
 * event, or after `AUTH_REVOCATION_ACK_WAIT_MS` all the same ({@link OutboxAcks}):
 * - `token`: the `jti`, until the longest a token issued now can be accepted (the auth service does not keep the ids
 *   it issued, so any `jti` is recorded);
 * - `session`: {@link SessionRevoker} (its refresh tokens die, its access tokens are refused by `sid`);
 * - `subject`: the user's cut-off moves to now and every open session of the user ends, so no refresh token yields
 *   a token again; the event is subject-revoked;
 * - `client`: the client's cut-off moves to now and every session opened through it ends.
 * An unknown session, user or client is {@link UnknownRevocationTargetError}. A later revocation of the same subject
 * or client moves its cut-off forward and emits a new event; one in the same second changes nothing.
 *
 * @example
 * const { revokedAt } = await revocations.revoke('admin-cli', { type: 'subject', value: userId, reason: 'stolen laptop' });
 */
@Injectable()
export class AdminRevocations {
  private readonly logger = new Logger(AdminRevocations.name);

  constructor(
    @Inject(RevocationRecorder) private readonly recorder: RevocationRecorder,
    @Inject(SessionRevoker) private readonly sessions: SessionRevoker,
    @Inject(OutboxAcks) private readonly acks: OutboxAcks,
    @Inject(Database) private readonly db: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(authServiceConfig.KEY) private readonly config: AuthServiceConfig,
  ) {}

  async revoke(actor: string, request: AdminRevocationRequest): Promise<AdminRevocationResult> {
    const nowS = this.clock.now() / 1000;
    const revokedAt = Math.floor(nowS);
    const recorded = await this.db.transaction((tx) => this.revokeIn(tx, actor, request, nowS));
    const acked = recorded !== undefined && (await this.acks.committed([recorded.outboxId]));
    this.logger.log({
      msg: 'admin revocation',
      actor,
      type: request.type,
      value: request.type === 'token' ? undefined : request.value,
      jti: request.type === 'token' ? request.value : undefined,
      changed: recorded !== undefined,
      acked,
    });
    return { type: request.type, value: request.value, revokedAt: recorded?.revokedAt ?? revokedAt };
  }

  private async revokeIn(
    tx: SqlExecutor,
    actor: string,
    { type, value, reason }: AdminRevocationRequest,
    nowS: number,
  ): Promise<RecordedRevocation | undefined> {
    const revokedAt = Math.floor(nowS);
    // A token issued now is accepted at most this long: a revocation that lasts until then outlives all it can hit.
    const expiresAt = revokedAt + longestAcceptanceSeconds(this.config.accessTokenTtlSeconds);
    switch (type) {
      case 'token':
        return this.recorder.record(
          tx,
          { target: { type: 'jti', value }, revokedAt, expiresAt, reason },
          { type: AUDIT_EVENTS.tokenRevoked, actor, details: { jti: value, reason } },
        );
      case 'session': {
        const session = await findSession(tx, value, { lock: true });
        if (session === undefined) throw new UnknownRevocationTargetError('session');
        return this.sessions.revoke(tx, session, SESSION_END_REASONS.revoked, actor, reason);
      }
      case 'subject': {
        if (!(await exists(tx, 'users', value))) throw new UnknownRevocationTargetError('subject');
        const ended = await endSessions(tx, { userId: value }, SESSION_END_REASONS.revoked, nowS);
        return this.recorder.record(
          tx,
          { target: { type: 'sub', value }, revokedAt, expiresAt, reason },
          {
            type: AUDIT_EVENTS.subjectRevoked,
            actor,
            details: { sub: value, reason, cause: 'admin', sessionsEnded: ended.length },
          },
        );
      }
      case 'client': {
        if (!(await exists(tx, 'clients', value))) throw new UnknownRevocationTargetError('client');
        const ended = await endSessions(tx, { clientId: value }, SESSION_END_REASONS.revoked, nowS);
        return this.recorder.record(
          tx,
          { target: { type: 'client', value }, revokedAt, expiresAt, reason },
          {
            type: AUDIT_EVENTS.clientRevoked,
            actor,
            details: { clientId: value, reason, sessionsEnded: ended.length },
          },
        );
      }
    }
  }
}

async function exists(tx: SqlExecutor, table: 'users' | 'clients', id: string): Promise<boolean> {
  const rows = await tx.query(`SELECT 1 FROM ${table} WHERE id = $1`, [id]);
  return rows.length > 0;
}
