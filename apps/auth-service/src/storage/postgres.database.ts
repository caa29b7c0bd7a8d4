import pg from 'pg';
import { Logger } from '@nestjs/common';
import { Database, SCHEMA_LOCK_SPACE, type AdvisoryLock, type Listener, type SqlExecutor } from './database.js';

/**
 * {@link Database} on a real Postgres through a `pg` Pool. Every connection uses `search_path = <schema>`
 * (set as a startup option), and the schema is created if missing.
 *
 * @example
 * const db = new PostgresDatabase('postgres://postgres@127.0.0.1:5432/test', 'auth_e2e_1');
 * await db.open();
 */
export class PostgresDatabase extends Database {
  override readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly logger = new Logger(PostgresDatabase.name);

  constructor(
    private readonly url: string,
    private readonly schema: string,
    poolSize = 10,
  ) {
    super();
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new TypeError(`schema must be a plain identifier, got "${schema}"`);
    this.pool = new pg.Pool({ connectionString: url, max: poolSize, options: `-c search_path=${schema}` });
    this.pool.on('error', (error) =>
      this.logger.error({ msg: 'idle Postgres connection failed', error: error.message }),
    );
  }

  override async open(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
    } catch (error) {
      // Concurrent CREATE SCHEMA IF NOT EXISTS can race on the catalog's unique index; the schema then exists.
      const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema]);
      if (exists.rowCount === 0) throw error;
    } finally {
      await client.end();
    }
  }

  override async query<R extends object = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]> {
    const result = await this.pool.query(text, params);
    return result.rows as R[];
  }

  override async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const tx: SqlExecutor = {
        query: async <R extends object>(text: string, params?: unknown[]) =>
          (await client.query(text, params)).rows as R[],
      };
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client
        .query('ROLLBACK')
        .catch((rollbackError: Error) => this.logger.error({ msg: 'rollback failed', error: rollbackError.message }));
      throw error;
    } finally {
      client.release();
    }
  }

  override async withAdvisoryLock<T>(key: number, work: () => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query(`SELECT pg_advisory_lock(${SCHEMA_LOCK_SPACE}, $1)`, [key]);
      try {
        return await work();
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${SCHEMA_LOCK_SPACE}, $1)`, [key]);
      }
    } finally {
      client.release();
    }
  }

  override async tryAdvisoryLock(key: number): Promise<AdvisoryLock | null> {
    const client = await this.pool.connect();
    let acquired = false;
    try {
      const rows = (
        await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${SCHEMA_LOCK_SPACE}, $1) AS locked`, [
          key,
        ])
      ).rows;
      acquired = rows[0]?.locked === true;
    } finally {
      if (!acquired) client.release();
    }
    if (!acquired) return null;
    const state = { held: true };
    const onError = (error: Error): void => {
      state.held = false;
      this.logger.warn({ msg: 'connection holding an advisory lock failed', key, error: error.message });
    };
    client.on('error', onError);
    return {
      get held() {
        return state.held;
      },
      release: async () => {
        client.off('error', onError);
        if (!state.held) {
          client.release(true);
          return;
        }
        state.held = false;
        try {
          await client.query(`SELECT pg_advisory_unlock(${SCHEMA_LOCK_SPACE}, $1)`, [key]);
          client.release();
        } catch (error) {
          client.release(true);
          throw error;
        }
      },
    };
  }

  override async listen(channel: string, onNotify: () => void, onError: (error: Error) => void): Promise<Listener> {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel))
      throw new TypeError(`channel must be a plain identifier, got "${channel}"`);
    const client = new pg.Client({ connectionString: this.url });
    let closed = false;
    client.on('notification', (message) => {
      if (message.channel === channel) onNotify();
    });
    client.on('error', (error) => {
      if (closed) return;
      closed = true;
      onError(error);
      client
        .end()
        .catch((endError: Error) =>
          this.logger.warn({ msg: 'closing a failed LISTEN connection', error: endError.message }),
        );
    });
    await client.connect();
    try {
      await client.query(`LISTEN ${channel}`);
    } catch (error) {
      await client.end();
      throw error;
    }
    return {
      close: async () => {
        if (closed) return;
        closed = true;
        await client.end();
      },
    };
  }

  override async close(): Promise<void> {
    await this.pool.end();
  }
}
