import { randomUUID } from 'node:crypto';
import { AUTH_SERVICE_DEFAULTS } from '../../apps/auth-service/src/config/auth-service.config.js';
import type { Database } from '../../apps/auth-service/src/storage/database.js';
import {
  defaultMigrationsDir,
  readMigrations,
  runMigrations,
} from '../../apps/auth-service/src/storage/migration.runner.js';
import { PgliteDatabase } from '../../apps/auth-service/src/storage/pglite.database.js';
import { PostgresDatabase } from '../../apps/auth-service/src/storage/postgres.database.js';

/** A migrated database for a spec, and how "another instance" of the service reaches it. */
export interface SpecDatabases {
  db: Database;
  /**
   * A second connection to the same data, as another instance has: a second {@link PostgresDatabase} on the same
   * schema; for the embedded database (one per process) the same one.
   */
  otherInstance: Database;
  close(): Promise<void>;
}

/**
 * The backends a storage spec runs on: the embedded Postgres always, the real one too when the run provides
 * `DATABASE_URL` (as `npm test` does), each migrated, on a schema of its own.
 *
 * @example
 * describe.each(specBackends())('ClientDirectory on %s', (_kind, open) => {
 *   let dbs: SpecDatabases;
 *   beforeAll(async () => (dbs = await open()));
 *   afterAll(() => dbs.close());
 * });
 */
export function specBackends(): [string, () => Promise<SpecDatabases>][] {
  const backends: [string, () => Promise<SpecDatabases>][] = [['pglite', openPglite]];
  const url = process.env['DATABASE_URL'];
  if (url !== undefined && url !== '') backends.push(['postgres', () => openPostgres(url)]);
  return backends;
}

async function migrated(db: Database): Promise<Database> {
  await db.open();
  await runMigrations(db, await readMigrations(defaultMigrationsDir()));
  return db;
}

async function openPglite(): Promise<SpecDatabases> {
  const db = await migrated(new PgliteDatabase());
  return { db, otherInstance: db, close: () => db.close() };
}

async function openPostgres(url: string): Promise<SpecDatabases> {
  const schema = `auth_spec_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const timeouts = {
    connectMs: AUTH_SERVICE_DEFAULTS.databaseConnectTimeoutMs,
    statementMs: AUTH_SERVICE_DEFAULTS.databaseStatementTimeoutMs,
    lockMs: AUTH_SERVICE_DEFAULTS.databaseLockTimeoutMs,
    idleInTransactionMs: AUTH_SERVICE_DEFAULTS.databaseIdleInTransactionTimeoutMs,
  };
  const db = await migrated(new PostgresDatabase(url, schema, timeouts));
  const otherInstance = new PostgresDatabase(url, schema, timeouts);
  await otherInstance.open();
  return {
    db,
    otherInstance,
    close: async () => {
      await otherInstance.close();
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.close();
    },
  };
}
