import { Inject, Injectable } from '@nestjs/common';
import { AUTH_DEFAULTS } from '@app/auth/core';
import { Clock } from '../common/clock.js';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { Database } from '../storage/database.js';

/** Rows deleted by one {@link DataRetention.prune} pass, per table. */
export interface PrunedRows {
  revocations: number;
  outbox: number;
  refreshTokens: number;
  sessions: number;
  audit: number;
  loginFailures: number;
}

/**
 * A session that yields no token any more (ended, past its absolute end, idle since before `$2`) none of whose access
 * tokens can still be accepted anywhere (the latest expired before `$3`); `$1` = now (NumericDate).
 */
const SESSION_OVER = `(ended_at IS NOT NULL OR expires_at <= to_timestamp($1) OR last_active_at <= to_timestamp($2))
  AND access_tokens_expire_at < to_timestamp($3)`;

/** Rows per DELETE: short statements, so a pass never holds locks that revocations wait behind. */
const BATCH_ROWS = 1_000;

/**
 * What the auth service keeps, and for how long: revocations until nothing they can hit is still accepted anywhere
 * (`expires_at` + the largest clock tolerance), outbox rows once sent and older than the outbox retention (unsent
 * rows are never deleted), sessions and their refresh tokens once the session is over (ended, past its absolute end
 * or idle timeout) and none of its access tokens can still be accepted (`access_tokens_expire_at` + the largest
 * clock tolerance: until then an introspection still finds its sid), audit entries older than the audit retention,
 * password-grant failures once forgotten (`expires_at`, see `LoginBackoff`). An open session is never deleted, however
 * old: its dead refresh tokens are what tells a replay from an unknown token. Deletes in batches of
 * {@link BATCH_ROWS}, a session's refresh tokens (one per rotation) before the session, so no delete cascades.
 *
 * @example
 * const pruned = await retention.prune(); // { revocations: 12, outbox: 340, refreshTokens: 30, sessions: 3, … }
 */
@Injectable()
export class DataRetention {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(authServiceConfig.KEY) private readonly config: AuthServiceConfig,
  ) {}

  async prune(): Promise<PrunedRows> {
    const nowS = this.clock.now() / 1000;
    const { outboxSentSeconds, auditDays } = this.config.retention;
    const tokensGoneS = nowS - AUTH_DEFAULTS.maxClockToleranceSeconds;
    const sessionOver = [nowS, nowS - this.config.sessions.idleTimeoutSeconds, tokensGoneS];
    return {
      revocations: await this.deleteOlder('revocations', 'expires_at', tokensGoneS),
      outbox: await this.deleteOlder('outbox', 'sent_at', nowS - outboxSentSeconds),
      refreshTokens: await this.deleteWhere(
        'refresh_tokens',
        `sid IN (SELECT sid FROM sessions WHERE ${SESSION_OVER})`,
        sessionOver,
      ),
      sessions: await this.deleteWhere('sessions', SESSION_OVER, sessionOver),
      audit: await this.deleteOlder('audit_log', 'at', nowS - auditDays * 86_400),
      loginFailures: await this.deleteOlder('login_failures', 'expires_at', nowS),
    };
  }

  /** Deletes rows whose `column` is before `cutoffS` (NumericDate), batch by batch; `NULL` never qualifies. */
  private deleteOlder(table: string, column: string, cutoffS: number): Promise<number> {
    return this.deleteWhere(table, `${column} < to_timestamp($1)`, [cutoffS]);
  }

  /** Deletes the rows of `table` matching `condition`, batch by batch. */
  private async deleteWhere(table: string, condition: string, params: unknown[]): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.db.query<{ n: number }>(
        `WITH doomed AS (SELECT ctid FROM ${table} WHERE ${condition} LIMIT ${BATCH_ROWS})
         DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM doomed) RETURNING 1 AS n`,
        params,
      );
      total += deleted.length;
      if (deleted.length < BATCH_ROWS) return total;
    }
  }
}
