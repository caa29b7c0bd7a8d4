import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Revocation } from '@app/events';
import { AUDIT_EVENTS, AuditLog } from '../audit/audit-log.service.js';
import { Clock, toNumericDate } from '../common/clock.js';
import { SigningKeyStore } from '../keys/signing-key.store.js';
import { OutboxSignal } from '../outbox/outbox.signal.js';
import { SecurityEventOutbox } from '../outbox/security-event.outbox.js';
import { Database } from '../storage/database.js';
import { IssuedTokenVerifier } from '../tokens/issued-token.verifier.js';

/**
 * What happened to a revocation request. Only `not_ours` is told to the client (RFC 7009 §2.1 refuses a
 * token issued to another client); every other outcome answers 200.
 */
export type TokenRevocationOutcome = 'revoked' | 'already_revoked' | 'not_ours' | 'invalid';

/**
 * RFC 7009 token revocation. The token is verified with our own keys; a token of another client, or an unknown,
 * invalid or long expired one, changes nothing. Otherwise ONE transaction writes the revocation, the outbox row (a SET
 * signed with the current key, keyed `jti:<id>`) and the audit entry; then the relay is woken.
 *
 * @example
 * const outcome = await revocations.revokeToken(client.id, token);
 */
@Injectable()
export class TokenRevocation {
  private readonly logger = new Logger(TokenRevocation.name);

  constructor(
    @Inject(IssuedTokenVerifier) private readonly verifier: IssuedTokenVerifier,
    @Inject(SigningKeyStore) private readonly keys: SigningKeyStore,
    @Inject(SecurityEventOutbox) private readonly events: SecurityEventOutbox,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(OutboxSignal) private readonly signal: OutboxSignal,
    @Inject(Database) private readonly db: Database,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async revokeToken(clientId: string, token: string, reason = 'revoked by client'): Promise<TokenRevocationOutcome> {
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
    const inserted = await this.db.transaction(async (tx) => {
      const rows = await tx.query<{ id: string }>(
        `INSERT INTO revocations (target_type, target_value, revoked_at, expires_at, reason, requested_by)
         VALUES ($1, $2, to_timestamp($3), to_timestamp($4), $5, $6)
         ON CONFLICT (target_type, target_value) DO NOTHING RETURNING id::text AS id`,
        [target.type, target.value, revocation.revokedAt, revocation.expiresAt, reason, clientId],
      );
      if (rows.length === 0) return false;
      await this.events.enqueueRevocation(tx, revocation, this.keys.signingKey());
      await this.audit.record(
        { type: AUDIT_EVENTS.tokenRevoked, actor: clientId, details: { jti: claims.jti, sub: claims.sub, reason } },
        tx,
      );
      return true;
    });
    if (!inserted) return 'already_revoked';
    this.signal.notify();
    this.logger.log({ msg: 'token revoked', client_id: clientId, jti: claims.jti });
    return 'revoked';
  }
}
