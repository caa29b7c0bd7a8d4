import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Database } from './database.js';

/**
 * Closes the database last, on application shutdown (after `onModuleDestroy` stopped the outbox relay).
 *
 * @example
 * @Module({ providers: [databaseProvider, DatabaseCloser] })
 */
@Injectable()
export class DatabaseCloser implements OnApplicationShutdown {
  constructor(@Inject(Database) private readonly db: Database) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}
