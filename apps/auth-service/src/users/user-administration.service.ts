import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EVENT_TYPES, type Revocation } from '@app/events';
import { AUDIT_EVENTS, AuditLog } from '../audit/audit-log.service.js';
import { Clock } from '../common/clock.js';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { OutboxSignal } from '../outbox/outbox.signal.js';
import { RevocationRecorder } from '../revocations/revocation.recorder.js';
import { endSessions, SESSION_END_REASONS } from '../sessions/session-end.js';
import { Database, type SqlExecutor } from '../storage/database.js';
import { longestAcceptanceSeconds } from '../tokens/longest-acceptance.js';
import { hashPassword } from './password-hashing.js';
import { UnknownRoleError, UnknownUserError, UsernameTakenError } from './user-admin.errors.js';

/** A user as the admin API answers it: never its password hash. */
export interface UserView {
  id: string;
  username: string;
  roles: string[];
  disabled: boolean;
}

/** A new user. */
export interface NewUser {
  username: string;
  password: string;
  roles: string[];
}

/** What `PATCH /admin/users/{id}` may change; absent members stay as they are. */
export interface UserChange {
  disabled?: boolean;
  roles?: string[];
  password?: string;
}

/** A user change as audited: which members changed, never their values (a password, or what it hashes to). */
export type ChangedMember = keyof UserChange;

interface UserRow {
  id: string;
  username: string;
  roles: string[];
  disabled: boolean;
}

/**
 * Users through the admin API. {@link create} stores an argon2id hash of the password. {@link update} changes any of
 * `disabled`, `roles`, `password` and, in the same transaction, moves the user's cut-off to now so every earlier
 * token of the user is refused everywhere: a CAEP `credential-change` event for a password change or (en|dis)abling,
 * `token-claims-change` for a roles change alone (one event per call). Disabling and a password change also end the
 * user's sessions (their refresh tokens die); a roles change does not, since a refresh grants the user's current
 * roles' scopes. The password grant and the refresh_token grant refuse a disabled user (`invalid_grant`).
 *
 * @example
 * const user = await users.create({ username: 'bob', password, roles: ['orders-clerk'] }, 'admin-cli');
 * await users.update(user.id, { roles: [] }, 'admin-cli');
 */
@Injectable()
export class UserAdministration {
  private readonly logger = new Logger(UserAdministration.name);

  constructor(
    @Inject(RevocationRecorder) private readonly recorder: RevocationRecorder,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(OutboxSignal) private readonly signal: OutboxSignal,
    @Inject(Database) private readonly db: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(authServiceConfig.KEY) private readonly config: AuthServiceConfig,
  ) {}

  async create(user: NewUser, actor: string): Promise<UserView> {
    const roles = unique(user.roles);
    const passwordHash = await hashPassword(user.password);
    return this.db.transaction(async (tx) => {
      await assertRolesExist(tx, roles);
      const [row] = await tx.query<UserRow>(
        `INSERT INTO users (id, username, password_hash, roles) VALUES ($1, $2, $3, $4)
         ON CONFLICT (username) DO NOTHING RETURNING id, username, roles, disabled`,
        [randomUUID(), user.username, passwordHash, roles],
      );
      if (row === undefined) throw new UsernameTakenError();
      await this.audit.record({ type: AUDIT_EVENTS.userCreated, actor, details: { id: row.id, roles } }, tx);
      return toView(row);
    });
  }

  /** Returns the user as it now stands and the members that changed (none: nothing written, no event). */
  async update(id: string, change: UserChange, actor: string): Promise<{ user: UserView; changed: ChangedMember[] }> {
    // Hashed before the row is locked: argon2id takes tens of milliseconds.
    const passwordHash = change.password === undefined ? undefined : await hashPassword(change.password);
    const result = await this.db.transaction(async (tx) => {
      const [current] = await tx.query<UserRow>(
        'SELECT id, username, roles, disabled FROM users WHERE id = $1 FOR UPDATE',
        [id],
      );
      if (current === undefined) throw new UnknownUserError();
      const roles = change.roles === undefined ? undefined : unique(change.roles);
      if (roles !== undefined) await assertRolesExist(tx, roles);
      const changed: ChangedMember[] = [];
      if (change.disabled !== undefined && change.disabled !== current.disabled) changed.push('disabled');
      if (roles !== undefined && !sameSet(roles, current.roles)) changed.push('roles');
      if (passwordHash !== undefined) changed.push('password');
      if (changed.length === 0) return { user: toView(current), changed, revoked: false };
      const [row] = await tx.query<UserRow>(
        `UPDATE users SET disabled = COALESCE($2, disabled), roles = COALESCE($3, roles),
                          password_hash = COALESCE($4, password_hash), updated_at = now()
          WHERE id = $1 RETURNING id, username, roles, disabled`,
        [id, changed.includes('disabled') ? change.disabled : null, roles ?? null, passwordHash ?? null],
      );
      const revoked = await this.cutOff(tx, row, changed, actor);
      return { user: toView(row), changed, revoked };
    });
    if (result.revoked) this.signal.notify();
    this.logger.log({ msg: 'user changed', actor, user_id: id, changed: result.changed });
    return { user: result.user, changed: result.changed };
  }

  /**
   * The subject cut-off of a change, and the end of the user's sessions when its credentials changed. Returns whether
   * an event was written (a second change in the same second is already covered by the first one's cut-off).
   */
  private async cutOff(tx: SqlExecutor, user: UserRow, changed: ChangedMember[], actor: string): Promise<boolean> {
    const nowS = this.clock.now() / 1000;
    const revokedAt = Math.floor(nowS);
    const credentials = changed.includes('password') || changed.includes('disabled');
    let sessionsEnded = 0;
    if (changed.includes('password') || (changed.includes('disabled') && user.disabled)) {
      const reason = user.disabled ? SESSION_END_REASONS.userDisabled : SESSION_END_REASONS.credentialChange;
      sessionsEnded = (await endSessions(tx, { userId: user.id }, reason, nowS)).length;
    }
    const reason = `user changed: ${changed.join(', ')}`;
    const revocation: Revocation = {
      target: { type: 'sub', value: user.id },
      revokedAt,
      expiresAt: revokedAt + longestAcceptanceSeconds(this.config.accessTokenTtlSeconds),
      reason,
      eventType: credentials ? EVENT_TYPES.credentialChange : EVENT_TYPES.tokenClaimsChange,
    };
    const recorded = await this.recorder.record(tx, revocation, {
      type: AUDIT_EVENTS.subjectRevoked,
      actor,
      details: { sub: user.id, reason, cause: changed, eventType: revocation.eventType, sessionsEnded },
    });
    return recorded !== undefined;
  }
}

function toView(row: UserRow): UserView {
  return { id: row.id, username: row.username, roles: row.roles, disabled: row.disabled };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value) => b.includes(value));
}

async function assertRolesExist(tx: SqlExecutor, roles: readonly string[]): Promise<void> {
  if (roles.length === 0) return;
  const [row] = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM roles WHERE name = ANY($1)', [roles]);
  if (row.n !== roles.length) throw new UnknownRoleError();
}
