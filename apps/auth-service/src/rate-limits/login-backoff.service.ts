import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { OAuthRateLimitError } from '../oauth/oauth.error.js';
import { Database } from '../storage/database.js';
import { lockSeconds } from './login-backoff.policy.js';
import { usernameRefs } from './username-ref.js';

/** Who is trying to log in: the authenticated client and the username as presented. */
export interface LoginKey {
  clientId: string;
  username: string;
}

/**
 * Per (client, username) backoff of the password grant, in Postgres (`login_failures`) so that every instance on the
 * database enforces the same lock: a client spreading guesses over the instances gains nothing. Consecutive failures
 * lock the pair for a growing time (see {@link lockSeconds}); a success forgets them. While locked, {@link assertAllowed}
 * throws before any password is checked: no argon2 is computed, and a known and an unknown username answer alike.
 *
 * Keyed per client as well as username (RFC 6749 §10.10 asks to stop password guessing; OWASP warns that locking
 * on the username alone lets anyone lock a user out): clients are confidential, so one that guesses, or whose secret
 * leaked, locks the user out of that client only, and every other client keeps logging the user in. The price is
 * that each client holding the password grant gets its own guesses; there are few such clients, each rate-limited.
 * No per-address key: the password grant comes from the client's back end, so the address is the client's.
 *
 * @example
 * await backoff.assertAllowed({ clientId: 'demo-app', username }); // 429 while locked
 * ok ? await backoff.recordSuccess(key) : await backoff.recordFailure(key);
 */
@Injectable()
export class LoginBackoff {
  private readonly usernameRef: (username: string) => string;

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(authServiceConfig.KEY) private readonly config: AuthServiceConfig,
  ) {
    this.usernameRef = usernameRefs(config.clientSecretHashKey);
  }

  /** The reference under which the username is stored and logged (see {@link usernameRefs}). */
  refOf(username: string): string {
    return this.usernameRef(username);
  }

  /** Throws {@link OAuthRateLimitError} (429, `Retry-After`) while the pair is locked. */
  async assertAllowed(key: LoginKey): Promise<void> {
    const nowS = this.clock.now() / 1000;
    // extract() is numeric, which the driver hands over as a string.
    const rows = await this.db.query<{ remaining: string | number }>(
      `SELECT extract(epoch FROM locked_until) - $3::float8 AS remaining FROM login_failures
        WHERE client_id = $1 AND username_ref = $2 AND locked_until > to_timestamp($3::float8)`,
      [key.clientId, this.usernameRef(key.username), nowS],
    );
    const remaining = rows[0]?.remaining;
    if (remaining === undefined) return;
    throw new OAuthRateLimitError(Number(remaining), {
      cause: new Error(`password grant locked for client ${key.clientId} after repeated failures`),
    });
  }

  /**
   * Counts one failure (starting over when the previous ones were forgotten) and locks the pair once the policy says
   * so. Concurrent failures each count; the longer lock wins. Returns the lock in seconds (0: not locked).
   */
  async recordFailure(key: LoginKey): Promise<number> {
    const policy = this.config.rateLimits.login;
    const nowS = this.clock.now() / 1000;
    const params = [key.clientId, this.usernameRef(key.username), nowS, policy.windowSeconds];
    const counted = await this.db.query<{ failures: number }>(
      `INSERT INTO login_failures AS f (client_id, username_ref, failures, last_failure_at, expires_at)
         VALUES ($1, $2, 1, to_timestamp($3::float8), to_timestamp($3::float8 + $4::float8))
       ON CONFLICT (client_id, username_ref) DO UPDATE SET
         failures = CASE WHEN f.expires_at <= to_timestamp($3::float8) THEN 1 ELSE f.failures + 1 END,
         last_failure_at = to_timestamp($3::float8),
         locked_until = CASE WHEN f.expires_at <= to_timestamp($3::float8) THEN NULL ELSE f.locked_until END,
         expires_at = greatest(f.locked_until, to_timestamp($3::float8)) + make_interval(secs => $4::float8)
       RETURNING failures`,
      params,
    );
    const seconds = lockSeconds(Number(counted[0]?.failures), policy);
    if (seconds === 0) return 0;
    await this.db.query(
      `UPDATE login_failures
          SET locked_until = greatest(locked_until, to_timestamp($3::float8 + $5::float8)),
              expires_at = greatest(expires_at, to_timestamp($3::float8 + $5::float8 + $4::float8))
        WHERE client_id = $1 AND username_ref = $2`,
      [...params, seconds],
    );
    return seconds;
  }

  /** A successful login forgets the failures of the pair. */
  async recordSuccess(key: LoginKey): Promise<void> {
    await this.db.query('DELETE FROM login_failures WHERE client_id = $1 AND username_ref = $2', [
      key.clientId,
      this.usernameRef(key.username),
    ]);
  }
}
