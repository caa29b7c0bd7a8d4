import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { LoginBackoff } from '../rate-limits/login-backoff.service.js';
import { Database } from '../storage/database.js';
import { hashPassword, verifyPassword } from './password-hashing.js';
import { USER_SCOPES_SQL } from './user-access.reader.js';

/** A user whose password was verified, with the scopes its roles grant. */
export interface AuthenticatedUser {
  id: string;
  scopes: string[];
}

/** Where a password-grant login comes from: the authenticated client and the request's source address. */
export interface LoginOrigin {
  clientId: string;
  /** `request.ip` (honours the trusted proxies); for the log only. */
  sourceAddress: string;
}

interface UserRow {
  id: string;
  password_hash: string;
  disabled: boolean;
  scopes: string[] | null;
}

/**
 * Resource owner password check (argon2id) behind the per (client, username) {@link LoginBackoff}: while the pair is
 * locked the check throws 429 before the users table is read or a hash computed, for known and unknown usernames
 * alike. Unknown users are verified against a dummy hash so the response time does not reveal whether a username
 * exists; disabled users are refused like a wrong password. Each refusal is logged once with the client, the source
 * address and a keyed reference to the username (never the username, which is personal data and sometimes a
 * password typed in the wrong field, nor the password).
 *
 * @example
 * const user = await users.authenticate('alice', password, { clientId: 'demo-app', sourceAddress: '10.0.0.7' });
 * // null when refused
 */
@Injectable()
export class UserAuthenticator implements OnModuleInit {
  private readonly logger = new Logger(UserAuthenticator.name);
  private dummyHash: Promise<string> | undefined;

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(LoginBackoff) private readonly backoff: LoginBackoff,
  ) {}

  /** Computes the dummy hash up front so the first unknown-user attempt costs the same as later ones. */
  async onModuleInit(): Promise<void> {
    await this.getDummyHash();
  }

  async authenticate(username: string, password: string, origin: LoginOrigin): Promise<AuthenticatedUser | null> {
    const key = { clientId: origin.clientId, username };
    await this.backoff.assertAllowed(key);
    const rows = await this.db.query<UserRow>(
      `SELECT u.id, u.password_hash, u.disabled, ${USER_SCOPES_SQL} AS scopes FROM users u WHERE u.username = $1`,
      [username],
    );
    const row = rows[0];
    const stored = row?.password_hash ?? (await this.getDummyHash());
    const passwordOk = await verifyPassword(stored, password);
    if (row !== undefined && passwordOk && !row.disabled) {
      await this.backoff.recordSuccess(key);
      return { id: row.id, scopes: row.scopes ?? [] };
    }
    const lockSeconds = await this.backoff.recordFailure(key);
    this.logger.warn({
      msg: 'login failed',
      client_id: origin.clientId,
      source_address: origin.sourceAddress,
      user_ref: this.backoff.refOf(username),
      reason: row === undefined ? 'unknown user' : !passwordOk ? 'wrong password' : 'user disabled',
      lock_seconds: lockSeconds,
    });
    return null;
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= hashPassword(randomBytes(32).toString('base64url'));
    return this.dummyHash;
  }
}
