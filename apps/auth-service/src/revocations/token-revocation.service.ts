import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Revocation } from '@app/events';
import { AUDIT_EVENTS } from '../audit/audit-log.service.js';
import { Clock, toNumericDate } from '../common/clock.js';
import { OutboxAcks } from '../outbox/outbox.acks.js';
import { isRefreshToken } from '../sessions/refresh-token.js';
import { SessionRevoker } from '../sessions/session-revoker.service.js';
import { Database } from '../storage/database.js';
import { IssuedTokenVerifier } from '../tokens/issued-token.verifier.js';
import { RevocationRecorder } from './revocation.recorder.js';

/**
 * What happened to a revocation request. Only `not_ours` is told to the client (RFC 7009 §2.1 refuses a
 * token issued to another client); every other outcome answers 200.
 */
export type TokenRevocationOutcome = 'revoked' | 'already_revoked' | 'not_ours' | 'invalid';

/**
 * RFC 7009 token revocation. A refresh token (told apart by its shape: `token_type_hint` is only a hint, §2.1) revokes
 * its whole session ({@link SessionRevoker}). An access token is verified with our own keys; a token of another
 * client, or an unknown, invalid or long expired one, changes nothing. Otherwise ONE transaction records the
 * revocation ({@link RevocationRecorder}: row, signed event keyed `jti:<id>`, audit entry); then the relay is woken and
 * the answer waits (bounded, `AUTH_REVOCATION_ACK_WAIT_MS`) until the broker has acknowledged the event
 * ({@link OutboxAcks}): a 200 then means every service refuses the token within milliseconds.
 *
 * @example
 * const outcome = await revocations.revokeToken(client.id, token);
 */
@Injectable()
export class TokenRevocation {
  private readonly logger = new Logger(TokenRevocation.name);

  constructor(
    @Inject(IssuedTokenVerifier) private readonly verifier: IssuedTokenVerifier,
    @Inject(RevocationRecorder) private readonly recorder: RevocationRecorder,
    @Inject(SessionRevoker) private readonly sessions: SessionRevoker,
    @Inject(OutboxAcks) private readonly acks: OutboxAcks,
    @Inject(Database) private readonly db: Database,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async revokeToken(clientId: string, token: string, reason = 'revoked by client'): Promise<TokenRevocationOutcome> {
    if (isRefreshToken(token)) return this.sessions.revokeByRefreshToken(clientId, token);
    const verification = await this.verifier.verifyForRevocation(token);
    if (!verification.ok) {
      this.logger.log({ msg: 'revocation ignored: token not valid', client_id: clientId, reason: verification.reason });
      return 'invalid';
    }
    const { claims } = verification;
    if (claims.client_id !== clientId) {
      this.logger.warn({ msg: 'revocation ignored: token of another client', client_id: clientId, jti: claims.jti });
      return 'not_ours';
    }
    const target: Revocation['target'] = { type: 'jti', value: claims.jti };
    const revokedAt = toNumericDate(this.clock.now());
    // A token revoked just after its exp is still accepted within resource servers' clock tolerance;
    // the entry must not claim to expire before it was made.
    const revocation: Revocation = { target, revokedAt, expiresAt: Math.max(claims.exp, revokedAt), reason };
    const recorded = await this.db.transaction((tx) =>
      this.recorder.record(tx, revocation, {
        type: AUDIT_EVENTS.tokenRevoked,
        actor: clientId,
        details: { jti: claims.jti, sub: claims.sub, reason },
      }),
    );
    if (recorded === undefined) return 'already_revoked';
    const acked = await this.acks.committed([recorded.outboxId]);
    this.logger.log({ msg: 'token revoked', client_id: clientId, jti: claims.jti, acked });
    return 'revoked';
  }
}
