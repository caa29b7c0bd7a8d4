import pg from 'pg';
import { Logger } from '@nestjs/common';
import { describeError } from '@app/events';
import { Database, SCHEMA_LOCK_SPACE, type AdvisoryLock, type Listener, type SqlExecutor } from './database.js';
import { DATABASE_TIMEOUT_CODES, DatabaseTimeoutError, type DatabaseTimeoutCode } from './database-timeout.error.js';

/** Bounds applied to every connection (documented defaults: `AUTH_SERVICE_DEFAULTS`), in milliseconds. */
export interface PostgresTimeouts {
  /** Waiting for a free pooled connection, or opening one. */
  connectMs: number;
  /** `statement_timeout`. */
  statementMs: number;
  /** `lock_timeout`. */
  lockMs: number;
  /** `idle_in_transaction_session_timeout`. */
  idleInTransactionMs: number;
}

/** SQLSTATEs of the server-side bounds. 57014 is any cancellation; this service cancels nothing itself. */
const TIMEOUT_SQLSTATES: ReadonlyMap<unknown, DatabaseTimeoutCode> = new Map([
  ['57014', DATABASE_TIMEOUT_CODES.statement],
  ['55P03', DATABASE_TIMEOUT_CODES.lock],
  ['25P03', DATABASE_TIMEOUT_CODES.idleInTransaction],
]);

/**
 * The typed form of a driver error when it is one of our bounds, else the error itself. pg and pg-pool report a
 * connect timeout only in prose, without a code; no other codeless error of theirs speaks of a timeout.
 */
function toDatabaseError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  const timeout = TIMEOUT_SQLSTATES.get(code);
  if (timeout !== undefined) return new DatabaseTimeoutError(timeout, { cause: error });
  if (code === undefined && /timeout/i.test(error.message)) {
    return new DatabaseTimeoutError(DATABASE_TIMEOUT_CODES.connect, { cause: error });
  }
  return error;
}

/** A checked-out connection's fate: set once it failed (lost, or a ROLLBACK that did not go through). */
interface Session {
  broken?: Error;
}

/**
 * {@link Database} on a real Postgres through a `pg` Pool. Every connection uses `search_path = <schema>`
 * (set as a startup option) and the given {@link PostgresTimeouts}, so neither a hung query nor a stuck lock
 * holder can block the service: the operation fails with a {@link DatabaseTimeoutError} instead. A connection
 * that failed while checked out is destroyed, never returned to the pool. The schema is created if missing.
 *
 * @example
 * const db = new PostgresDatabase('postgres://postgres@127.0.0.1:5432/test', 'auth_e2e_1', config.database.timeouts);
 * await db.open();
 */
export class PostgresDatabase extends Database {
  override readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly logger = new Logger(PostgresDatabase.name);
  /** Every connection's settings, pooled or not (the schema check, LISTEN). */
  private readonly clientConfig: pg.ClientConfig;

  constructor(
    url: string,
    private readonly schema: string,
    timeouts: PostgresTimeouts,
    poolSize = 10,
  ) {
    super();
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new TypeError(`schema must be a plain identifier, got "${schema}"`);
    this.clientConfig = {
      connectionString: url,
      connectionTimeoutMillis: timeouts.connectMs,
      statement_timeout: timeouts.statementMs,
      lock_timeout: timeouts.lockMs,
      idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
    };
    this.pool = new pg.Pool({ ...this.clientConfig, max: poolSize, options: `-c search_path=${schema}` });
    this.pool.on('error', (error) =>
      this.logger.error({ msg: 'idle Postgres connection failed', error: describeError(error) }),
    );
  }

  override async open(): Promise<void> {
    const client = new pg.Client(this.clientConfig);
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
    return this.withClient(async (client) => (await client.query(text, params)).rows as R[]);
  }

  override async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.withClient(async (client, session) => {
      await client.query('BEGIN');
      try {
        const tx: SqlExecutor = {
          query: async <R extends object>(text: string, params?: unknown[]) =>
            (await client.query(text, params)).rows as R[],
        };
        const result = await work(tx);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        // Once the connection is lost, that loss is why whatever came after it failed.
        const cause = session.broken ?? error;
        await this.rollback(client, session);
        throw cause;
      }
    });
  }

  override async withAdvisoryLock<T>(key: number, work: () => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query(`SELECT pg_advisory_lock(${SCHEMA_LOCK_SPACE}, $1)`, [key]);
      try {
        return await work();
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${SCHEMA_LOCK_SPACE}, $1)`, [key]);
      }
    });
  }

  override async tryAdvisoryLock(key: number): Promise<AdvisoryLock | null> {
    const client = await this.checkOut();
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
    const client = new pg.Client(this.clientConfig);
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

  /**
   * Runs `use` on a pooled connection. While checked out the connection has a listener for its failures (without
   * one, a server that ends the session — idle-in-transaction timeout, terminated backend — would crash the process
   * with an unhandled 'error'), and a failed connection is destroyed on release (`release(error)`), never reused.
   */
  private async withClient<T>(use: (client: pg.PoolClient, session: Session) => Promise<T>): Promise<T> {
    const client = await this.checkOut();
    const session: Session = {};
    // Connection-level errors are the driver's or the server's own words about the session, never query data.
    const onError = (error: Error): void => {
      if (session.broken !== undefined) return;
      session.broken = error;
      this.logger.warn({ msg: 'Postgres connection failed while in use', error: describeError(error) });
    };
    client.on('error', onError);
    try {
      return await use(client, session);
    } catch (error) {
      throw toDatabaseError(error);
    } finally {
      client.off('error', onError);
      client.release(session.broken);
    }
  }

  private async checkOut(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw toDatabaseError(error);
    }
  }

  /**
   * A ROLLBACK that fails leaves the connection in an unknown state: it is marked broken, so it is destroyed. On a
   * connection already lost it cannot succeed, and need not: the server rolled back when the session ended.
   */
  private async rollback(client: pg.PoolClient, session: Session): Promise<void> {
    try {
      await client.query('ROLLBACK');
    } catch (error) {
      if (session.broken !== undefined) return;
      session.broken = error as Error;
      this.logger.error({ msg: 'rollback failed; the connection is discarded', error: describeError(error) });
    }
  }
}
