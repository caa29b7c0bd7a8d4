import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Database } from '../storage/database.js';
import { hashPassword, verifyPassword } from './password-hashing.js';

/** A user whose password was verified, with the scopes its roles grant. */
export interface AuthenticatedUser {
  id: string;
  scopes: string[];
}

interface UserRow {
  id: string;
  password_hash: string;
  disabled: boolean;
  scopes: string[] | null;
}

/**
 * Resource owner password check (argon2id). Unknown users are verified against a dummy hash so the response time
 * does not reveal whether a username exists; disabled users are refused like a wrong password.
 *
 * @example
 * const user = await users.authenticate('alice', password); // null when refused
 */
@Injectable()
export class UserAuthenticator implements OnModuleInit {
  private dummyHash: Promise<string> | undefined;

  constructor(@Inject(Database) private readonly db: Database) {}

  /** Computes the dummy hash up front so the first unknown-user attempt costs the same as later ones. */
  async onModuleInit(): Promise<void> {
    await this.getDummyHash();
  }

  async authenticate(username: string, password: string): Promise<AuthenticatedUser | null> {
    const rows = await this.db.query<UserRow>(
      `SELECT u.id, u.password_hash, u.disabled,
              ARRAY(SELECT DISTINCT s FROM roles r, unnest(r.scopes) s WHERE r.name = ANY(u.roles) ORDER BY s) AS scopes
         FROM users u WHERE u.username = $1`,
      [username],
    );
    const row = rows[0];
    const stored = row?.password_hash ?? (await this.getDummyHash());
    const passwordOk = await verifyPassword(stored, password);
    if (row === undefined || !passwordOk || row.disabled) return null;
    return { id: row.id, scopes: row.scopes ?? [] };
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= hashPassword(randomBytes(32).toString('base64url'));
    return this.dummyHash;
  }
}
