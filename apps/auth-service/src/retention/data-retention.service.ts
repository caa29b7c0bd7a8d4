import { Inject, Injectable } from '@nestjs/common';
import { AUTH_DEFAULTS } from '@app/auth/core';
import { Clock } from '../common/clock.js';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { Database } from '../storage/database.js';

/** Rows deleted by one {@link DataRetention.prune} pass, per table. */
export interface PrunedRows {
  revocations: number;
  outbox: number;
  sessions: number;
  audit: number;
  loginFailures: number;
}

/** Rows per DELETE: short statements, so a pass never holds locks that revocations wait behind. */
const BATCH_ROWS = 1_000;

/**
 * What the auth service keeps, and for how long: revocations until nothing they can hit is still accepted anywhere
 * (`expires_at` + the largest clock tolerance), outbox rows once sent and older than the outbox retention (unsent
 * rows are never deleted), sessions older than the absolute session lifetime, audit entries older than the audit
 * retention, password-grant failures once forgotten (`expires_at`, see `LoginBackoff`). Deletes in batches of {@link BATCH_ROWS}.
 *
 * @example
 * const pruned = await retention.prune(); // { revocations: 12, outbox: 340, sessions: 3, audit: 0 }
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
    const sessionLifetimeSeconds = this.config.sessions.maxLifetimeSeconds;
    return {
      revocations: await this.deleteOlder('revocations', 'expires_at', nowS - AUTH_DEFAULTS.maxClockToleranceSeconds),
      outbox: await this.deleteOlder('outbox', 'sent_at', nowS - outboxSentSeconds),
      sessions: await this.deleteOlder('sessions', 'created_at', nowS - sessionLifetimeSeconds),
      audit: await this.deleteOlder('audit_log', 'at', nowS - auditDays * 86_400),
      loginFailures: await this.deleteOlder('login_failures', 'expires_at', nowS),
    };
  }

  /** Deletes rows whose `column` is before `cutoffS` (NumericDate), batch by batch; `NULL` never qualifies. */
  private async deleteOlder(table: string, column: string, cutoffS: number): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.db.query<{ n: number }>(
        `WITH doomed AS (SELECT ctid FROM ${table} WHERE ${column} < to_timestamp($1) LIMIT ${BATCH_ROWS})
         DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM doomed) RETURNING 1 AS n`,
        [cutoffS],
      );
      total += deleted.length;
      if (deleted.length < BATCH_ROWS) return total;
    }
  }
}
