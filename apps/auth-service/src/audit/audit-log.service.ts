import { Inject, Injectable } from '@nestjs/common';
import { Database, type SqlExecutor } from '../storage/database.js';

/**
 * The audit vocabulary: every `type` the auth service writes to `audit_log`, and nothing else (`GET /admin/audit`
 * filters on these). Each `admin.*` entry is one call of the admin API that passed its guard, successful or not:
 * actor = the token's `sub` (the client itself for a client_credentials token, else the user), `details` = `clientId`,
 * the token's `jti`, `outcome` (`ok` or the error code) and what the call was about.
 */
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
  /**
   * A session was revoked: its refresh tokens are dead and every access token with its `sid` is refused everywhere
   * (`sid`, `sub`, `clientId`, `reason`: `logout` at `/oauth/revoke`, `refresh_token_reuse` when a dead refresh token
   * came back).
   */
  sessionRevoked: 'session.revoked',
  /**
   * A subject's cut-off moved to `revokedAt`: every token of the user issued at or before it is refused everywhere,
   * and the user's sessions ended (`sub`, `reason`, `sessionsEnded`, `cause`: `admin` for `POST /admin/revocations`,
   * else the members of the user that changed, `password`, `disabled`, `roles`, with `eventType` the CAEP URI).
   */
  subjectRevoked: 'subject.revoked',
  /** A client's cut-off moved to `revokedAt`, its sessions ended (`clientId`, `reason`, `sessionsEnded`). */
  clientRevoked: 'client.revoked',
  /** A user was created (`id`, `roles`; never the password). */
  userCreated: 'user.created',
  /** `POST /admin/revocations` (`type`, `value`, `reason`; `revokedAt` after it). */
  adminRevocationsCreate: 'admin.revocations.create',
  /** `POST /admin/users` (`roles`; `id` after it). */
  adminUsersCreate: 'admin.users.create',
  /** `PATCH /admin/users/{id}` (`id`, `asked` and `changed`: member names, never a value such as the password). */
  adminUsersUpdate: 'admin.users.update',
  /** `GET /admin/keys` (`count`). */
  adminKeysList: 'admin.keys.list',
  /** `POST /admin/keys/rotate` (`alg` asked for; `current`, `next`, `previous` after it). */
  adminKeysRotate: 'admin.keys.rotate',
  /** `POST /admin/keys/{kid}/revoke` (`kid`, `reason`). */
  adminKeysRevoke: 'admin.keys.revoke',
  /** `GET /admin/audit` (`filter`, `count`). */
  adminAuditRead: 'admin.audit.read',
} as const;
export type AuditEventType = (typeof AUDIT_EVENTS)[keyof typeof AUDIT_EVENTS];

/** One audit entry. `details` carries ids (kid, jti, client id), never a secret, token, password or key. */
export interface AuditEntry {
  type: AuditEventType;
  actor: string;
  details: Record<string, unknown>;
}

/** An entry as read back: `id` (a string: the column is a bigint), `at` ISO 8601. */
export interface AuditRecord extends AuditEntry {
  id: string;
  at: string;
}

/** Filters of {@link AuditLog.read}. */
export interface AuditQuery {
  /** Only entries of this type. */
  type?: AuditEventType;
  /** Only entries written at or after this instant. */
  since?: Date;
  /** At most this many entries, 1 to {@link AUDIT_READ_LIMITS.maxLimit}. Default {@link AUDIT_READ_LIMITS.defaultLimit}. */
  limit?: number;
}

/** How many entries one {@link AuditLog.read} returns. */
export const AUDIT_READ_LIMITS = { defaultLimit: 100, maxLimit: 1000 } as const;

interface AuditRow {
  id: string;
  at: Date;
  type: AuditEventType;
  actor: string;
  details: Record<string, unknown> | string;
}

/**
 * Appends to `audit_log`, inside the caller's transaction when one is given, and reads it back newest first.
 *
 * @example
 * await db.transaction((tx) => audit.record({ type: AUDIT_EVENTS.tokenRevoked, actor: clientId, details: { jti } }, tx));
 * const latest = await audit.read({ type: AUDIT_EVENTS.tokenRevoked, limit: 10 });
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

  /**
   * The entries matching `query`, newest first (entries of one transaction share `at`: the later one comes first).
   * Throws a `TypeError` for a limit out of range (callers validate their input first).
   */
  async read(query: AuditQuery = {}): Promise<AuditRecord[]> {
    const limit = query.limit ?? AUDIT_READ_LIMITS.defaultLimit;
    if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_READ_LIMITS.maxLimit) {
      throw new TypeError(`AuditQuery.limit must be an integer from 1 to ${AUDIT_READ_LIMITS.maxLimit}`);
    }
    const rows = await this.db.query<AuditRow>(
      `SELECT id::text AS id, at, type, actor, details FROM audit_log
        WHERE ($1::text IS NULL OR type = $1) AND ($2::timestamptz IS NULL OR at >= $2)
        ORDER BY at DESC, id DESC LIMIT $3`,
      [query.type ?? null, query.since ?? null, limit],
    );
    return rows.map((row) => ({
      id: row.id,
      at: row.at.toISOString(),
      type: row.type,
      actor: row.actor,
      details: typeof row.details === 'string' ? (JSON.parse(row.details) as Record<string, unknown>) : row.details,
    }));
  }
}
