import { ADVISORY_LOCKS, CHANNELS, SCHEMA_LOCK_SPACE, type SqlExecutor } from '../storage/database.js';

/** A row of the outbox: one Kafka record to publish. */
export interface OutboxRecord {
  id: string;
  topic: string;
  key: string;
  value: string;
}

/**
 * Appends a record to the outbox inside the caller's transaction (the same one that writes the change it announces)
 * and queues a `NOTIFY auth_outbox` (delivered at commit) so the relay of any instance wakes at once. Writers take a
 * transaction-scoped advisory lock first, so ids are assigned in commit order and the relay, reading in id order,
 * never publishes a later commit before an earlier one.
 *
 * @example
 * await db.transaction(async (tx) => { ...; await enqueueOutboxRecord(tx, { topic, key, value }); });
 */
export async function enqueueOutboxRecord(tx: SqlExecutor, record: Omit<OutboxRecord, 'id'>): Promise<string> {
  await tx.query(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK_SPACE}, $1)`, [ADVISORY_LOCKS.outboxWriters]);
  const rows = await tx.query<{ id: string }>(
    'INSERT INTO outbox (topic, record_key, value) VALUES ($1, $2, $3) RETURNING id::text AS id',
    [record.topic, record.key, record.value],
  );
  await tx.query('SELECT pg_notify($1, NULL)', [CHANNELS.outbox]);
  return rows[0].id;
}

/** An unsent row of the outbox, with when it was written. */
export interface UnsentOutboxRecord extends OutboxRecord {
  /** `created_at` of the row (its transaction's start), epoch milliseconds. */
  createdAtMs: number;
}

/**
 * The oldest unsent records, in id (commit) order.
 *
 * @example
 * const batch = await readUnsentOutbox(db, 100);
 */
export async function readUnsentOutbox(db: SqlExecutor, limit: number): Promise<UnsentOutboxRecord[]> {
  return db.query<UnsentOutboxRecord>(
    `SELECT id::text AS id, topic, record_key AS key, value,
            (extract(epoch FROM created_at) * 1000)::float8 AS "createdAtMs"
       FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1`,
    [limit],
  );
}

/**
 * How many rows wait to be published.
 *
 * @example
 * const pending = await countUnsentOutbox(db);
 */
export async function countUnsentOutbox(db: SqlExecutor): Promise<number> {
  const [row] = await db.query<{ pending: number }>(
    'SELECT count(*)::float8 AS pending FROM outbox WHERE sent_at IS NULL',
  );
  return row.pending;
}

/**
 * Marks records as published.
 *
 * @example
 * await markOutboxSent(db, batch.map((r) => r.id));
 */
export async function markOutboxSent(db: SqlExecutor, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query('UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])', [ids]);
}
