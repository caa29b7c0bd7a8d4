import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AccessTokenClaims } from '@app/auth';
import { describeError } from '@app/events';
import { AuditLog, type AuditEventType } from '../audit/audit-log.service.js';

/** One admin call: its audit type, the verified claims of its token, and what it is about (ids, never secrets). */
export interface AdminCall {
  type: AuditEventType;
  claims: AccessTokenClaims;
  details?: Record<string, unknown>;
}

/** What an audit entry says about how a call ended: `ok`, or the code of the error it failed with. */
function outcomeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'error';
}

/**
 * Audits every admin call, whether it succeeds or fails, with its actor: the token's `sub`, i.e. the client itself
 * for a client_credentials token and the user for a user's token (the client is in `details.clientId`).
 *
 * @example
 * return this.calls.run({ type: AUDIT_EVENTS.adminKeysRevoke, claims, details: { kid } },
 *   (actor) => this.lifecycle.revoke(actor, kid, reason));
 */
@Injectable()
export class AdminCallAuditor {
  private readonly logger = new Logger(AdminCallAuditor.name);

  constructor(@Inject(AuditLog) private readonly audit: AuditLog) {}

  /**
   * Runs `work` as `actor`, then records the call with `outcome: 'ok'` and `describe(result)`, or with the error's
   * code (and rethrows it). An entry that cannot be written after a success fails the call (500): the operator learns
   * that the call is not on record instead of the audit log silently missing it.
   */
  async run<T>(
    call: AdminCall,
    work: (actor: string) => Promise<T>,
    describe: (result: T) => Record<string, unknown> = () => ({}),
  ): Promise<T> {
    const actor = call.claims.sub;
    let result: T;
    try {
      result = await work(actor);
    } catch (error) {
      await this.record(call, actor, { outcome: outcomeOf(error) }).catch((auditError: unknown) => {
        this.logger.error({ msg: 'failed admin call not audited', type: call.type, error: describeError(auditError) });
      });
      throw error;
    }
    await this.record(call, actor, { outcome: 'ok', ...describe(result) });
    return result;
  }

  private record(call: AdminCall, actor: string, outcome: Record<string, unknown>): Promise<void> {
    return this.audit.record({
      type: call.type,
      actor,
      details: { clientId: call.claims.client_id, jti: call.claims.jti, ...call.details, ...outcome },
    });
  }
}
