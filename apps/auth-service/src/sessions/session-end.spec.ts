import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defaultMigrationsDir, readMigrations, runMigrations } from '../storage/migration.runner.js';
import { PgliteDatabase } from '../storage/pglite.database.js';
import { endSessions, SESSION_END_REASONS } from './session-end.js';

const T = 1_900_000_000;
/** User ids are UUIDs (migration 007). */
const U1 = '7f3c1d2e-0a4b-4c5d-8e6f-1a2b3c4d5e01';
const U2 = '7f3c1d2e-0a4b-4c5d-8e6f-1a2b3c4d5e02';

describe('endSessions', () => {
  const db = new PgliteDatabase();

  beforeAll(async () => {
    await db.open();
    await runMigrations(db, await readMigrations(defaultMigrationsDir()));
    await db.query(`INSERT INTO users (id, username, password_hash) VALUES ($1, 'one', 'x'), ($2, 'two', 'x')`, [
      U1,
      U2,
    ]);
    await db.query(`INSERT INTO clients (id, secret_hash) VALUES ('c1', 'x'), ('c2', 'x')`);
    await db.query(
      `INSERT INTO sessions (sid, user_id, client_id, auth_time) VALUES
         ('s1', $2, 'c1', to_timestamp($1)), ('s2', $2, 'c2', to_timestamp($1)), ('s3', $3, 'c1', to_timestamp($1)),
         ('s4', $3, 'c2', to_timestamp($1))`,
      [T, U1, U2],
    );
  });

  afterAll(async () => {
    await db.close();
  });

  const ended = () =>
    db.query<{ sid: string; reason: string }>(
      `SELECT sid, end_reason AS reason FROM sessions WHERE ended_at IS NOT NULL ORDER BY sid`,
    );

  it("ends one session, a user's, or a client's, and only open ones; the first end is kept", async () => {
    await expect(endSessions(db, { sid: 's4' }, SESSION_END_REASONS.logout, T)).resolves.toEqual(['s4']);
    await expect(endSessions(db, { userId: U1 }, SESSION_END_REASONS.userDisabled, T + 1)).resolves.toEqual(
      expect.arrayContaining(['s1', 's2']),
    );
    await expect(endSessions(db, { clientId: 'c1' }, SESSION_END_REASONS.revoked, T + 2)).resolves.toEqual(['s3']);
    await expect(endSessions(db, { userId: U1 }, SESSION_END_REASONS.revoked, T + 3)).resolves.toEqual([]);
    expect(await ended()).toEqual([
      { sid: 's1', reason: 'user_disabled' },
      { sid: 's2', reason: 'user_disabled' },
      { sid: 's3', reason: 'revoked' },
      { sid: 's4', reason: 'logout' },
    ]);
  });

  it('refuses an end reason without an end time', async () => {
    await expect(
      db.query(`UPDATE sessions SET end_reason = 'logout', ended_at = NULL WHERE sid = 's1'`),
    ).rejects.toThrow(/sessions_end_reason_with_end/);
  });
});
