/** Which bound cut a database operation short; one stable code each. */
export const DATABASE_TIMEOUT_CODES = {
  /** No pooled connection became free, or a new one could not be opened, in time. */
  connect: 'ERR_DATABASE_CONNECT_TIMEOUT',
  /** A statement ran longer than `statement_timeout`. */
  statement: 'ERR_DATABASE_STATEMENT_TIMEOUT',
  /** A lock (e.g. the outbox writer lock) was not granted within `lock_timeout`. */
  lock: 'ERR_DATABASE_LOCK_TIMEOUT',
  /** A transaction stayed open and idle past `idle_in_transaction_session_timeout`: Postgres ended the session. */
  idleInTransaction: 'ERR_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT',
} as const;
export type DatabaseTimeoutCode = (typeof DATABASE_TIMEOUT_CODES)[keyof typeof DATABASE_TIMEOUT_CODES];

/**
 * A database operation gave up at one of the configured bounds instead of waiting forever. Nothing of it was
 * committed; trying again later may succeed. The driver's error is the `cause`.
 *
 * @example
 * try { await db.transaction(write); } catch (e) { if (e instanceof DatabaseTimeoutError) retryLater(); else throw e; }
 */
export class DatabaseTimeoutError extends Error {
  constructor(
    readonly code: DatabaseTimeoutCode,
    options?: { cause?: unknown },
  ) {
    super(`database operation timed out (${code})`, options);
    this.name = 'DatabaseTimeoutError';
  }
}
