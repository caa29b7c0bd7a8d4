import type { Revocation, RevocationEventType } from '@app/events';
import { CHANNELS, type SqlExecutor } from '../storage/database.js';

interface StoredRow {
  revoked: string;
  expires: string;
  event_type: RevocationEventType | null;
}

/**
 * Writes a revocation to the `revocations` table (one row per target) and returns the row as it now stands, or
 * `undefined` when it changed nothing. A repeated revocation of the same target moves its cut-off (`revoked_at`:
 * for `sub` and `client`, tokens issued at or before it are refused) and its expiry forward, never back; so a second
 * revocation of a subject after a later login refuses that login's tokens too, while a replayed older one is a no-op.
 * For `jti`, `sid` and `kid` the cut-off means nothing (every token with that id, session or key is hit): only a
 * later expiry changes them. The event type (`eventType`, `NULL` for the target type's default) is the latest
 * revocation's: the event the caller enqueues next replaces the previous one on the compacted topic. A subject or
 * client cut-off written notifies `auth_cut_offs` in the same transaction (so at its commit): every instance keeps
 * the recent ones in memory (`RecentCutOffs`) and re-reads them then.
 *
 * @example
 * const stored = await upsertRevocation(tx, revocation, 'admin-cli');
 * if (stored !== undefined) await events.enqueueRevocation(tx, stored, signer);
 */
export async function upsertRevocation(
  tx: SqlExecutor,
  revocation: Revocation,
  requestedBy: string,
): Promise<Revocation | undefined> {
  const { target, revokedAt, expiresAt, reason, eventType } = revocation;
  const rows = await tx.query<StoredRow>(
    `INSERT INTO revocations AS r (target_type, target_value, revoked_at, expires_at, reason, requested_by, event_type)
     VALUES ($1, $2, to_timestamp($3), to_timestamp($4), $5, $6, $7)
     ON CONFLICT (target_type, target_value) DO UPDATE
       SET revoked_at = GREATEST(r.revoked_at, EXCLUDED.revoked_at),
           expires_at = GREATEST(r.expires_at, EXCLUDED.expires_at),
           reason = EXCLUDED.reason,
           requested_by = EXCLUDED.requested_by,
           event_type = EXCLUDED.event_type
       WHERE EXCLUDED.expires_at > r.expires_at
          OR (r.target_type IN ('sub', 'client') AND EXCLUDED.revoked_at > r.revoked_at)
     RETURNING extract(epoch FROM revoked_at)::bigint::text AS revoked, extract(epoch FROM expires_at)::bigint::text AS expires,
               event_type`,
    [target.type, target.value, revokedAt, expiresAt, reason ?? null, requestedBy, eventType ?? null],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  if (target.type === 'sub' || target.type === 'client') {
    await tx.query('SELECT pg_notify($1, NULL)', [CHANNELS.cutOffs]);
  }
  return {
    target,
    revokedAt: Number(row.revoked),
    expiresAt: Number(row.expires),
    ...(reason === undefined ? {} : { reason }),
    ...(row.event_type === null ? {} : { eventType: row.event_type }),
  };
}

/**
 * The latest subject or client cut-off of `targets` at or after `sinceS` (NumericDate), or `undefined`: a token whose
 * `iat` is not above it would be refused at once (a cut-off hits `iat <= revokedAt`).
 *
 * @example
 * const cutOff = await latestCutOff(tx, [{ type: 'sub', value: userId }, { type: 'client', value: clientId }], nowS);
 */
export async function latestCutOff(
  executor: SqlExecutor,
  targets: readonly { type: 'sub' | 'client'; value: string }[],
  sinceS: number,
): Promise<number | undefined> {
  const [row] = await executor.query<{ cut_off: string | null }>(
    `SELECT extract(epoch FROM max(revoked_at))::bigint::text AS cut_off FROM revocations
      WHERE revoked_at >= to_timestamp($3) AND (target_type, target_value) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [targets.map((t) => t.type), targets.map((t) => t.value), sinceS],
  );
  return row?.cut_off == null ? undefined : Number(row.cut_off);
}

/** A subject or client cut-off: tokens of `target` with `iat <= revokedAt` are refused. */
export interface CutOff {
  target: { type: 'sub' | 'client'; value: string };
  revokedAt: number;
}

/**
 * Every subject or client cut-off at or after `sinceS` (NumericDate): what {@link latestCutOff} can still find for a
 * token issued from then on, read at once for all targets.
 *
 * @example
 * const recent = await listCutOffsSince(db, nowS - RECENT_CUT_OFFS_WINDOW_SECONDS);
 */
export async function listCutOffsSince(executor: SqlExecutor, sinceS: number): Promise<CutOff[]> {
  const rows = await executor.query<{ type: 'sub' | 'client'; value: string; revoked: string }>(
    `SELECT target_type AS type, target_value AS value, extract(epoch FROM revoked_at)::bigint::text AS revoked
       FROM revocations WHERE target_type IN ('sub', 'client') AND revoked_at >= to_timestamp($1)`,
    [sinceS],
  );
  return rows.map((row) => ({ target: { type: row.type, value: row.value }, revokedAt: Number(row.revoked) }));
}

/**
 * Every revocation whose expiry is after `sinceS` (NumericDate): what a verifier may still need, e.g. with
 * `sinceS` = now minus the largest clock tolerance (an entry is kept until its expiry plus the verifier's tolerance).
 *
 * @example
 * const live = await listLiveRevocations(db, nowS - AUTH_DEFAULTS.maxClockToleranceSeconds);
 */
export async function listLiveRevocations(executor: SqlExecutor, sinceS: number): Promise<Revocation[]> {
  const rows = await executor.query<{
    type: Revocation['target']['type'];
    value: string;
    revoked: string;
    expires: string;
    reason: string | null;
    event_type: RevocationEventType | null;
  }>(
    `SELECT target_type AS type, target_value AS value, extract(epoch FROM revoked_at)::bigint::text AS revoked,
            extract(epoch FROM expires_at)::bigint::text AS expires, reason, event_type
       FROM revocations WHERE expires_at > to_timestamp($1)`,
    [sinceS],
  );
  return rows.map((row) => ({
    target: { type: row.type, value: row.value },
    revokedAt: Number(row.revoked),
    expiresAt: Number(row.expires),
    ...(row.reason === null ? {} : { reason: row.reason }),
    ...(row.event_type === null ? {} : { eventType: row.event_type }),
  }));
}
