import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { enqueueOutboxRecord, markOutboxSent, readUnsentOutbox } from '../outbox/outbox.repository.js';
import { CHANNELS, type Database } from './database.js';
import { defaultMigrationsDir, readMigrations, runMigrations } from './migration.runner.js';
import { PgliteDatabase } from './pglite.database.js';
import { PostgresDatabase } from './postgres.database.js';
import { waitFor } from '../../../../test/support/wait-for.js';

/**
 * Embedded Postgres always; the real Postgres too when the test run provides one (DATABASE_URL, as `npm test`
 * and `.ci/run` do). Specs never read the environment through the app config, only to find the test database.
 */
const backends: [string, () => Database][] = [['pglite', () => new PgliteDatabase()]];
const databaseUrl = process.env['DATABASE_URL'];
const schema = `auth_spec_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
if (databaseUrl !== undefined && databaseUrl !== '') {
  backends.push(['postgres', () => new PostgresDatabase(databaseUrl, schema)]);
}

describe.each(backends)('Database on %s', (kind, create) => {
  let db: Database;

  beforeAll(async () => {
    db = create();
    await db.open();
  });

  afterAll(async () => {
    if (kind === 'postgres') await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.close();
  });

  it('applies the migrations once, in order, and records them', async () => {
    const migrations = await readMigrations(defaultMigrationsDir());
    expect(migrations.map((m) => m.version)).toEqual([...migrations.map((m) => m.version)].sort((a, b) => a - b));
    expect(await runMigrations(db, migrations)).toEqual(migrations.map((m) => m.version));
    expect(await runMigrations(db, migrations)).toEqual([]);
    const recorded = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(recorded.map((r) => Number(r.version))).toEqual(migrations.map((m) => m.version));
  });

  it('rolls a failed transaction back', async () => {
    await expect(
      db.transaction(async (tx) => {
        await enqueueOutboxRecord(tx, { topic: 't', key: 'jti:rollback', value: 'v' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db.query("SELECT 1 FROM outbox WHERE record_key = 'jti:rollback'")).toEqual([]);
  });

  it('reads unsent outbox rows in id order and marks them sent', async () => {
    const keys = ['jti:a', 'jti:b', 'jti:c'];
    for (const key of keys) await db.transaction((tx) => enqueueOutboxRecord(tx, { topic: 't', key, value: 'v' }));
    const batch = await readUnsentOutbox(db, 2);
    expect(batch.map((r) => r.key)).toEqual(['jti:a', 'jti:b']);
    await markOutboxSent(
      db,
      batch.map((r) => r.id),
    );
    expect((await readUnsentOutbox(db, 10)).map((r) => r.key)).toEqual(['jti:c']);
  });

  it('wakes a listener when outbox rows commit (NOTIFY at commit)', async () => {
    let notified = 0;
    const listener = await db.listen(
      CHANNELS.outbox,
      () => (notified += 1),
      (error) => {
        throw error;
      },
    );
    try {
      await db.transaction((tx) => enqueueOutboxRecord(tx, { topic: 't', key: 'jti:notify', value: 'v' }));
      await waitFor('the NOTIFY to arrive', () => (notified > 0 ? true : undefined), { timeoutMs: 5_000 });
    } finally {
      await listener.close();
    }
  });

  if (kind === 'postgres') {
    it('lets only one holder take the relay advisory lock', async () => {
      const other = create();
      await other.open();
      try {
        const first = await db.tryAdvisoryLock(4242);
        expect(first?.held).toBe(true);
        expect(await other.tryAdvisoryLock(4242)).toBeNull();
        await first!.release();
        const second = await other.tryAdvisoryLock(4242);
        expect(second?.held).toBe(true);
        await second!.release();
      } finally {
        await other.close();
      }
    });

    it('scopes advisory locks to its schema: a service on another schema of the database never waits for it', async () => {
      const elsewhere = new PostgresDatabase(databaseUrl!, `${schema}_other`);
      await elsewhere.open();
      try {
        const here = await db.tryAdvisoryLock(4242);
        const there = await elsewhere.tryAdvisoryLock(4242);
        try {
          expect(here?.held).toBe(true);
          expect(there?.held).toBe(true);
        } finally {
          await Promise.all([here?.release(), there?.release()]);
        }
      } finally {
        await elsewhere.query(`DROP SCHEMA IF EXISTS ${schema}_other CASCADE`);
        await elsewhere.close();
      }
    });

    it('keeps its tables in its own schema', async () => {
      const rows = await db.query<{ table_schema: string }>(
        "SELECT table_schema FROM information_schema.tables WHERE table_name = 'outbox' AND table_schema = $1",
        [schema],
      );
      expect(rows).toEqual([{ table_schema: schema }]);
    });
  }
});
