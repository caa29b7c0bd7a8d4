import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { describeError } from '@app/events';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { ADVISORY_LOCKS, Database } from '../storage/database.js';
import { DataRetention } from './data-retention.service.js';

/**
 * Runs {@link DataRetention} every `AUTH_RETENTION_INTERVAL_SECONDS` on the one instance that gets the retention
 * lock (the others skip that turn), and logs what it deleted.
 */
@Injectable()
export class DataRetentionScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DataRetentionScheduler.name);
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | undefined;

  constructor(
    @Inject(DataRetention) private readonly retention: DataRetention,
    @Inject(Database) private readonly db: Database,
    @Inject(authServiceConfig.KEY) private readonly config: AuthServiceConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.pass ??= this.runPass().finally(() => (this.pass = undefined));
    }, this.config.retention.intervalSeconds * 1000).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.pass;
  }

  private async runPass(): Promise<void> {
    try {
      const lock = await this.db.tryAdvisoryLock(ADVISORY_LOCKS.retention);
      if (lock === null) return;
      try {
        const pruned = await this.retention.prune();
        this.logger.log({ msg: 'expired rows deleted', ...pruned });
      } finally {
        await lock.release();
      }
    } catch (error) {
      this.logger.warn({ msg: 'retention pass failed; retrying next interval', error: describeError(error) });
    }
  }
}
