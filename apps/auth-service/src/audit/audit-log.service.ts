import { Inject, Injectable } from '@nestjs/common';
import { Database, type SqlExecutor } from '../storage/database.js';

/** Audit event types written by the auth service. */
export const AUDIT_EVENTS = {
  /** A signing key pair was generated and stored (encrypted). */
  keyCreated: 'key.created',
  /** A key entered the JWKS as `next`. */
  keyPublished: 'key.published',
  /** A key became `current` (signs from now on). */
  keyActivated: 'key.activated',
  /** A key stopped signing (`previous`) or left the JWKS (`retired`); `details.state` says which. */
  keyRetired: 'key.retired',
  keyRevoked: 'key.revoked',
  /** A private key was decrypted; `details.purpose` says why. */
  keyDecrypted: 'key.decrypted',
  /** A private key was re-encrypted under the current key-encryption key. */
  keyRewrapped: 'key.rewrapped',
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
