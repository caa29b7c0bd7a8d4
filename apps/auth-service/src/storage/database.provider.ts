import { Logger, type Provider } from '@nestjs/common';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { ADVISORY_LOCKS, Database } from './database.js';
import { applyDevSeed } from './dev-seed.loader.js';
import { defaultMigrationsDir, readMigrations, runMigrations } from './migration.runner.js';
import { PgliteDatabase } from './pglite.database.js';
import { PostgresDatabase } from './postgres.database.js';

/**
 * Opens the database chosen by the configuration (Postgres when `database.url` is set, else embedded PGlite),
 * applies the migrations and, outside production, the dev seed.
 *
 * @example
 * const db = await openDatabase(config);
 */
async function openDatabase(config: AuthServiceConfig): Promise<Database> {
  const db: Database =
    config.database.url === undefined
      ? new PgliteDatabase()
      : new PostgresDatabase(config.database.url, config.database.schema, config.database.timeouts);
  await db.open();
  if (db.kind === 'pglite' && config.nodeEnv === 'production') {
    new Logger('Database').warn({
      msg: 'DATABASE_URL unset in production: embedded in-memory Postgres, clients, users and keys are lost on restart',
    });
  }
  try {
    await runMigrations(db, await readMigrations(defaultMigrationsDir()));
    const seed = config.nodeEnv === 'production' ? null : config.devSeed;
    if (seed !== null) {
      await db.withAdvisoryLock(ADVISORY_LOCKS.migrations, () => applyDevSeed(db, seed, config.clientSecretHashKey));
    }
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/**
 * The {@link Database} provider: migrated (and dev-seeded) before anything injects it; closed on shutdown.
 *
 * @example
 * @Module({ providers: [databaseProvider] })
 */
export const databaseProvider: Provider = {
  provide: Database,
  useFactory: openDatabase,
  inject: [authServiceConfig.KEY],
};
