import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findRepoPath } from '../common/repo-path.js';
import { ADVISORY_LOCKS, type Database } from './database.js';

/** A migration file `NNN_name.sql`. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATION_FILE = /^(\d{3,})_([a-z0-9_]+)\.sql$/;

/**
 * The folder of the auth service's SQL migrations (`apps/auth-service/migrations`), from sources or `dist/`.
 *
 * @example
 * const migrations = await readMigrations(defaultMigrationsDir());
 */
export function defaultMigrationsDir(): string {
  const dir = findRepoPath('apps/auth-service/migrations');
  if (dir === undefined) throw new TypeError('apps/auth-service/migrations not found above the running module');
  return dir;
}

/**
 * Reads `NNN_name.sql` files sorted by version; duplicate versions and stray files are errors.
 *
 * @example
 * const migrations = await readMigrations('/repo/apps/auth-service/migrations');
 */
export async function readMigrations(dir: string): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = MIGRATION_FILE.exec(file);
    if (match === null) throw new TypeError(`migration file name must be NNN_name.sql: ${file}`);
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version)) throw new TypeError(`duplicate migration version ${version}`);
    migrations.push({ version, name: match[2], sql: await readFile(join(dir, file), 'utf8') });
  }
  return migrations;
}

/**
 * Applies the pending migrations in order, each in its own transaction, under an advisory lock so that
 * several instances starting at once apply each migration exactly once. Returns the versions applied.
 *
 * @example
 * const applied = await runMigrations(db, await readMigrations(defaultMigrationsDir()));
 */
export async function runMigrations(db: Database, migrations: Migration[]): Promise<number[]> {
  return db.withAdvisoryLock(ADVISORY_LOCKS.migrations, async () => {
    await db.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Set(
      (await db.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)),
    );
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await db.transaction(async (tx) => {
        await tx.query(migration.sql);
        await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
          migration.version,
          migration.name,
        ]);
      });
      applied.push(migration.version);
    }
    return applied;
  });
}
