import { PGlite, type Transaction } from '@electric-sql/pglite';
import { Database, type AdvisoryLock, type Listener, type SqlExecutor } from './database.js';

/**
 * Without parameters a text may hold several statements (migrations), like `pg`'s simple query protocol;
 * the rows of the last one are returned.
 */
async function run<R extends object>(target: PGlite | Transaction, text: string, params?: unknown[]): Promise<R[]> {
  if (params === undefined) {
    const results = await target.exec(text);
    return (results.at(-1)?.rows ?? []) as R[];
  }
  return (await target.query<R>(text, params)).rows;
}

/**
 * {@link Database} on the embedded Postgres (`@electric-sql/pglite`), in memory. One process owns it, so
 * advisory locks are trivially held; PGlite serialises statements and transactions itself.
 *
 * @example
 * const db = new PgliteDatabase();
 * await db.open();
 */
export class PgliteDatabase extends Database {
  override readonly kind = 'pglite' as const;
  private readonly db = new PGlite();

  override async open(): Promise<void> {
    await this.db.waitReady;
  }

  override async query<R extends object = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]> {
    return run<R>(this.db, text, params);
  }

  override async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.db.transaction(async (transaction: Transaction) =>
      work({ query: async <R extends object>(text: string, params?: unknown[]) => run<R>(transaction, text, params) }),
    );
  }

  override async withAdvisoryLock<T>(_key: number, work: () => Promise<T>): Promise<T> {
    return work();
  }

  override async tryAdvisoryLock(_key: number): Promise<AdvisoryLock> {
    return { held: true, release: async () => undefined };
  }

  override async listen(channel: string, onNotify: () => void): Promise<Listener> {
    const unsubscribe = await this.db.listen(channel, onNotify);
    return { close: unsubscribe };
  }

  override async close(): Promise<void> {
    await this.db.close();
  }
}
