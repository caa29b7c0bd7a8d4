/**
 * Runs SQL with positional parameters (`$1`, `$2`, …) and returns the rows.
 *
 * @example
 * const rows = await sql.query<{ id: string }>('SELECT id FROM clients WHERE id = $1', [clientId]);
 */
export interface SqlExecutor {
  query<R extends object = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
}

/**
 * A held advisory lock (Postgres session lock on a dedicated connection). `held` turns false if the
 * connection that holds it is lost.
 *
 * @example
 * const lock = await db.tryAdvisoryLock(OUTBOX_RELAY_LOCK);
 * if (lock) { try { ... } finally { await lock.release(); } }
 */
export interface AdvisoryLock {
  readonly held: boolean;
  release(): Promise<void>;
}

/**
 * Storage port of the auth service (DI token). Implementations: {@link PostgresDatabase} (pg Pool) and
 * {@link PgliteDatabase} (embedded, in memory).
 *
 * @example
 * await db.transaction(async (tx) => {
 *   await tx.query('INSERT INTO revocations ...', [...]);
 *   await enqueueOutboxRecord(tx, { topic, key, value });
 * });
 */
export abstract class Database implements SqlExecutor {
  /** `postgres` or `pglite`, for logs and health. */
  abstract readonly kind: 'postgres' | 'pglite';
  /** Prepares the connection (creates the schema if missing). Called once before use. */
  abstract open(): Promise<void>;
  abstract query<R extends object = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** Runs `work` in one transaction: commit when it resolves, rollback when it throws. */
  abstract transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Runs `work` while holding the advisory lock `key` of this schema (waits for it). */
  abstract withAdvisoryLock<T>(key: number, work: () => Promise<T>): Promise<T>;
  /** Takes the advisory lock `key` of this schema if free, without waiting; `null` when another holder has it. */
  abstract tryAdvisoryLock(key: number): Promise<AdvisoryLock | null>;
  /**
   * Calls `onNotify` for every `NOTIFY <channel>` committed by any connection (any instance). Resolves once
   * listening; `onError` is called if the listening connection is lost (then listen again).
   */
  abstract listen(channel: string, onNotify: () => void, onError: (error: Error) => void): Promise<Listener>;
  abstract close(): Promise<void>;
}

/** An active LISTEN; {@link Listener.close} stops it. */
export interface Listener {
  close(): Promise<void>;
}

/** Notification channels (Postgres LISTEN/NOTIFY). */
export const CHANNELS = {
  /** Notified in the transaction that adds outbox rows: wakes the relay of whichever instance holds the lock. */
  outbox: 'auth_outbox',
  /** Notified in the transaction that changes a signing key's state: every instance reloads its keys at once. */
  keys: 'auth_keys',
  /** Notified by a trigger on every statement that changes `clients`: every instance drops the client rows it keeps. */
  clients: 'auth_clients',
  /** Notified in the transaction that writes a subject or client cut-off: every instance re-reads the recent ones. */
  cutOffs: 'auth_cut_offs',
} as const;

/**
 * The first key of every advisory lock the auth service takes (Postgres' two-key form): advisory locks are
 * database-wide, so the schema's hash keeps deployments that share a database in separate schemas (and test runs)
 * from taking each other's locks.
 */
export const SCHEMA_LOCK_SPACE = 'hashtext(current_schema())';

/** Advisory lock keys used by the auth service, second key under {@link SCHEMA_LOCK_SPACE} (one place, no collisions). */
export const ADVISORY_LOCKS = {
  migrations: 72_541_001,
  signingKeys: 72_541_002,
  outboxRelay: 72_541_003,
  outboxWriters: 72_541_004,
  retention: 72_541_005,
} as const;
