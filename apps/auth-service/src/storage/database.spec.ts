import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { AUTH_SERVICE_DEFAULTS } from '../config/auth-service.config.js';
import { enqueueOutboxRecord, markOutboxSent, readUnsentOutbox } from '../outbox/outbox.repository.js';
import { ADVISORY_LOCKS, CHANNELS, SCHEMA_LOCK_SPACE, type Database } from './database.js';
import { DATABASE_TIMEOUT_CODES } from './database-timeout.error.js';
import { defaultMigrationsDir, readMigrations, runMigrations } from './migration.runner.js';
import { PgliteDatabase } from './pglite.database.js';
import { PostgresDatabase, type PostgresTimeouts } from './postgres.database.js';
import { waitFor } from '../../../../test/support/wait-for.js';

/**
 * Embedded Postgres always; the real Postgres too when the test run provides one (DATABASE_URL, as `npm test`
 * and `.ci/run` do). Specs never read the environment through the app config, only to find the test database.
 */
const backends: [string, () => Database][] = [['pglite', () => new PgliteDatabase()]];
const databaseUrl = process.env['DATABASE_URL'];
const schema = `auth_spec_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const defaultTimeouts: PostgresTimeouts = {
  connectMs: AUTH_SERVICE_DEFAULTS.databaseConnectTimeoutMs,
  statementMs: AUTH_SERVICE_DEFAULTS.databaseStatementTimeoutMs,
  lockMs: AUTH_SERVICE_DEFAULTS.databaseLockTimeoutMs,
  idleInTransactionMs: AUTH_SERVICE_DEFAULTS.databaseIdleInTransactionTimeoutMs,
};
if (databaseUrl !== undefined && databaseUrl !== '') {
  backends.push(['postgres', () => new PostgresDatabase(databaseUrl, schema, defaultTimeouts)]);
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

    it('keeps its advisory locks to its schema: a service on another schema never blocks its relay', async () => {
      const otherSchema = `${schema}_other`;
      const elsewhere = new PostgresDatabase(databaseUrl!, otherSchema, defaultTimeouts);
      await elsewhere.open();
      try {
        const theirs = await elsewhere.tryAdvisoryLock(ADVISORY_LOCKS.outboxRelay);
        expect(theirs?.held).toBe(true);
        const ours = await db.tryAdvisoryLock(ADVISORY_LOCKS.outboxRelay);
        expect(ours?.held).toBe(true);
        await ours!.release();
        await theirs!.release();
      } finally {
        await elsewhere.query(`DROP SCHEMA IF EXISTS ${otherSchema} CASCADE`);
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

/**
 * The bounds against the real Postgres, on a pool of ONE connection (so a connection handed out again after it
 * failed would fail the next call). `other` is another session: a stuck writer, an operator, another instance.
 * Each wait below has a deadline far past the bound under test, so a missing bound fails instead of hanging.
 */
describe.each(databaseUrl === undefined || databaseUrl === '' ? [] : [databaseUrl])(
  'PostgresDatabase bounds',
  (url) => {
    const bounds: PostgresTimeouts = { connectMs: 300, statementMs: 400, lockMs: 200, idleInTransactionMs: 300 };
    const boundsSchema = `auth_bounds_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const outcomeDeadlineMs = 5_000;
    let db: PostgresDatabase;
    let other: pg.Client;

    /** Resolves to the operation's error, or fails if it neither failed nor settled within the deadline. */
    async function failureOf(operation: Promise<unknown>): Promise<Error> {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`still waiting after ${outcomeDeadlineMs} ms`)), outcomeDeadlineMs);
      });
      try {
        await Promise.race([operation, deadline]);
      } catch (error) {
        if ((error as Error).message.startsWith('still waiting')) throw error;
        return error as Error;
      } finally {
        clearTimeout(timer);
      }
      throw new Error('the operation succeeded');
    }

    const backendGone = (pid: number) =>
      waitFor(
        `backend ${pid} to end`,
        async () =>
          (await other.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 0 ? true : undefined,
        { timeoutMs: outcomeDeadlineMs },
      );

    const outboxKeys = async () =>
      (await db.query<{ record_key: string }>('SELECT record_key FROM outbox ORDER BY id')).map((r) => r.record_key);

    beforeAll(async () => {
      // Migrating takes two connections (the lock, the work): done on a pool of the usual size first.
      const migrator = new PostgresDatabase(url, boundsSchema, defaultTimeouts);
      await migrator.open();
      await runMigrations(migrator, await readMigrations(defaultMigrationsDir()));
      await migrator.close();
      db = new PostgresDatabase(url, boundsSchema, bounds, 1);
      // In the service's schema, so that it takes the service's locks (they are scoped to the schema).
      other = new pg.Client({ connectionString: url, options: `-c search_path=${boundsSchema}` });
      await other.connect();
    });

    afterAll(async () => {
      await db?.query(`DROP SCHEMA IF EXISTS ${boundsSchema} CASCADE`);
      await db?.close();
      await other?.end();
    });

    it('ends a statement running past the statement timeout with a typed error; the connection stays usable', async () => {
      const error = await failureOf(db.query('SELECT pg_sleep(30)'));
      expect(error).toMatchObject({ name: 'DatabaseTimeoutError', code: DATABASE_TIMEOUT_CODES.statement });
      expect(error.cause).toMatchObject({ code: '57014' });
      expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    });

    it('gives up on the outbox writer lock held by a stuck transaction instead of queueing behind it', async () => {
      await other.query('BEGIN');
      await other.query(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK_SPACE}, $1)`, [ADVISORY_LOCKS.outboxWriters]);
      try {
        const error = await failureOf(
          db.transaction((tx) => enqueueOutboxRecord(tx, { topic: 't', key: 'jti:behind-lock', value: 'v' })),
        );
        expect(error).toMatchObject({ name: 'DatabaseTimeoutError', code: DATABASE_TIMEOUT_CODES.lock });
      } finally {
        await other.query('ROLLBACK');
      }
      await db.transaction((tx) => enqueueOutboxRecord(tx, { topic: 't', key: 'jti:after-lock', value: 'v' }));
      expect(await outboxKeys()).toEqual(['jti:after-lock']);
    });

    it('waits at most the connect timeout for a connection when the pool is exhausted', async () => {
      let release!: () => void;
      const holding = db.withAdvisoryLock(4243, () => new Promise<void>((resolve) => (release = resolve)));
      try {
        const error = await failureOf(db.query('SELECT 1'));
        expect(error).toMatchObject({ name: 'DatabaseTimeoutError', code: DATABASE_TIMEOUT_CODES.connect });
      } finally {
        release();
        await holding;
      }
      expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    });

    it('loses a transaction left idle past the idle-in-transaction timeout, and its locks, without crashing', async () => {
      const error = await failureOf(
        db.transaction(async (tx) => {
          const [{ pid }] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          await enqueueOutboxRecord(tx, { topic: 't', key: 'jti:idle', value: 'v' });
          await backendGone(pid);
          await tx.query('SELECT 1');
        }),
      );
      expect(error).toMatchObject({ name: 'DatabaseTimeoutError', code: DATABASE_TIMEOUT_CODES.idleInTransaction });
      expect(error.cause).toMatchObject({ code: '25P03' });
      // The writer lock went with the session; the pool's only connection is a fresh one.
      await db.transaction((tx) => enqueueOutboxRecord(tx, { topic: 't', key: 'jti:after-idle', value: 'v' }));
      expect(await outboxKeys()).toEqual(['jti:after-lock', 'jti:after-idle']);
    });

    it('discards a connection whose ROLLBACK failed (backend terminated mid-transaction) and carries on', async () => {
      const error = await failureOf(
        db.transaction(async (tx) => {
          const [{ pid }] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          await enqueueOutboxRecord(tx, { topic: 't', key: 'jti:terminated', value: 'v' });
          await other.query('SELECT pg_terminate_backend($1)', [pid]);
          await backendGone(pid);
          // Until the client itself has seen the connection die (its 'error' event): then every query fails at once.
          await waitFor('the client to see its connection gone', () =>
            tx.query('SELECT 1').then(
              () => undefined,
              (queryError: Error) => (/not queryable/.test(queryError.message) ? true : undefined),
            ),
          );
        }),
      );
      // COMMIT and ROLLBACK both failed; the loss of the connection is what the caller learns.
      expect(error.message).not.toMatch(/not queryable/);
      expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      expect(await outboxKeys()).not.toContain('jti:terminated');
    });
  },
);
