import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EVENT_TYPES, type Revocation } from '@app/events';
import { defaultMigrationsDir, readMigrations, runMigrations } from '../storage/migration.runner.js';
import { PgliteDatabase } from '../storage/pglite.database.js';
import { upsertRevocation } from './revocation.repository.js';

const T = 1_900_000_000;

describe('upsertRevocation', () => {
  const db = new PgliteDatabase();

  beforeAll(async () => {
    await db.open();
    await runMigrations(db, await readMigrations(defaultMigrationsDir()));
  });

  afterAll(async () => {
    await db.close();
  });

  const revocation = (type: Revocation['target']['type'], value: string, revokedAt: number, expiresAt: number) =>
    ({ target: { type, value }, revokedAt, expiresAt, reason: 'spec' }) satisfies Revocation;

  it('stores a new revocation and returns it', async () => {
    await expect(upsertRevocation(db, revocation('sub', 'user-1', T, T + 300), 'admin')).resolves.toEqual(
      revocation('sub', 'user-1', T, T + 300),
    );
  });

  it('moves a subject or client cut-off forward, and keeps the later expiry', async () => {
    for (const type of ['sub', 'client'] as const) {
      await upsertRevocation(db, revocation(type, `${type}-a`, T, T + 600), 'admin');
      await expect(upsertRevocation(db, revocation(type, `${type}-a`, T + 10, T + 310), 'admin')).resolves.toEqual(
        revocation(type, `${type}-a`, T + 10, T + 600),
      );
    }
  });

  it('changes nothing for an older or equal subject revocation (a replay)', async () => {
    await upsertRevocation(db, revocation('sub', 'user-2', T + 10, T + 310), 'admin');
    await expect(upsertRevocation(db, revocation('sub', 'user-2', T, T + 300), 'admin')).resolves.toBeUndefined();
    await expect(upsertRevocation(db, revocation('sub', 'user-2', T + 10, T + 310), 'admin')).resolves.toBeUndefined();
    const rows = await db.query<{ revoked: string }>(
      `SELECT extract(epoch FROM revoked_at)::bigint::text AS revoked FROM revocations WHERE target_value = 'user-2'`,
    );
    expect(rows).toEqual([{ revoked: String(T + 10) }]);
  });

  it('stores the event type a revocation travels as, the latest revocation of the target setting it', async () => {
    const credentialChange = { ...revocation('sub', 'user-3', T, T + 300), eventType: EVENT_TYPES.credentialChange };
    await expect(upsertRevocation(db, credentialChange, 'admin')).resolves.toEqual(credentialChange);
    const claimsChange = { ...revocation('sub', 'user-3', T + 1, T + 301), eventType: EVENT_TYPES.tokenClaimsChange };
    await expect(upsertRevocation(db, claimsChange, 'admin')).resolves.toEqual(claimsChange);
    // An admin subject revocation travels as the default (subject-revoked): no event type stored.
    await expect(upsertRevocation(db, revocation('sub', 'user-3', T + 2, T + 302), 'admin')).resolves.toEqual(
      revocation('sub', 'user-3', T + 2, T + 302),
    );
    const rows = await db.query(`SELECT event_type FROM revocations WHERE target_value = 'user-3'`);
    expect(rows).toEqual([{ event_type: null }]);
  });

  it('changes a token, session or key revocation only when its expiry grows', async () => {
    for (const type of ['jti', 'sid', 'kid'] as const) {
      await upsertRevocation(db, revocation(type, `${type}-a`, T, T + 300), 'admin');
      await expect(
        upsertRevocation(db, revocation(type, `${type}-a`, T + 5, T + 300), 'admin'),
      ).resolves.toBeUndefined();
      await expect(upsertRevocation(db, revocation(type, `${type}-a`, T + 5, T + 400), 'admin')).resolves.toEqual(
        revocation(type, `${type}-a`, T + 5, T + 400),
      );
    }
  });
});
