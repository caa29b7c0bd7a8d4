import { Inject, Injectable } from '@nestjs/common';
import { Database, type SqlExecutor } from '../storage/database.js';

/** Audit event types written by the auth service. */
export const AUDIT_EVENTS = {
  keyGenerated: 'key.generated',
  keyDecrypted: 'key.decrypted',
  tokenRevoked: 'token.revoked',
} as const;
export type AuditEventType = (typeof AUDIT_EVENTS)[keyof typeof AUDIT_EVENTS];

/** One audit entry. `details` carries ids (kid, jti, client id), never a secret, token, password or key. */
export interface AuditEntry {
  type: AuditEventType;
  actor: string;
  details: Record<string, unknown>;
}

/**
 * Appends to `audit_log`, inside the caller's transaction when one is given.
 *
 * @example
 * await db.transaction((tx) => audit.record({ type: AUDIT_EVENTS.tokenRevoked, actor: clientId, details: { jti } }, tx));
 */
@Injectable()
export class AuditLog {
  constructor(@Inject(Database) private readonly db: Database) {}

  async record(entry: AuditEntry, executor: SqlExecutor = this.db): Promise<void> {
    await executor.query('INSERT INTO audit_log (type, actor, details) VALUES ($1, $2, $3)', [
      entry.type,
      entry.actor,
      JSON.stringify(entry.details),
    ]);
  }
}
