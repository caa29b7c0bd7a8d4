import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AUTH_SERVICE_DEFAULTS } from '../config/auth-service.config.js';
import type { Database } from '../storage/database.js';
import { defaultMigrationsDir, readMigrations, runMigrations } from '../storage/migration.runner.js';
import { PgliteDatabase } from '../storage/pglite.database.js';
import { PostgresDatabase } from '../storage/postgres.database.js';
import { waitFor } from '../../../../test/support/wait-for.js';
import { generateRefreshToken, hashRefreshToken } from './refresh-token.js';
import {
  findRefreshToken,
  insertSession,
  recordSessionActivity,
  rotateRefreshToken,
  spendReuseGrace,
  type NewSession,
} from './session.repository.js';

const T = 1_900_000_000;
/** User ids are UUIDs (migration 007). */
const USER_ID = '7f3c1d2e-0a4b-4c5d-8e6f-1a2b3c4d5e01';
const RACING_USER_ID = '7f3c1d2e-0a4b-4c5d-8e6f-1a2b3c4d5e03';

/** Embedded Postgres always; the real one too when the run provides it (DATABASE_URL), in a schema of its own. */
const backends: [string, () => Database][] = [['pglite', () => new PgliteDatabase()]];
const databaseUrl = process.env['DATABASE_URL'];
const schema = `sessions_spec_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const postgres = (name = schema): PostgresDatabase =>
  new PostgresDatabase(databaseUrl!, name, {
    connectMs: AUTH_SERVICE_DEFAULTS.databaseConnectTimeoutMs,
    statementMs: AUTH_SERVICE_DEFAULTS.databaseStatementTimeoutMs,
    lockMs: AUTH_SERVICE_DEFAULTS.databaseLockTimeoutMs,
    idleInTransactionMs: AUTH_SERVICE_DEFAULTS.databaseIdleInTransactionTimeoutMs,
  });
if (databaseUrl !== undefined && databaseUrl !== '') backends.push(['postgres', () => postgres()]);

describe.each(backends)('session repository on %s', (kind, create) => {
  let db: Database;

  beforeAll(async () => {
    db = create();
    await db.open();
    await runMigrations(db, await readMigrations(defaultMigrationsDir()));
    await db.query(`INSERT INTO users (id, username, password_hash) VALUES ($1, 'one', 'x')`, [USER_ID]);
    await db.query(`INSERT INTO clients (id, secret_hash) VALUES ('c1', 'x')`);
  });

  afterAll(async () => {
    if (kind === 'postgres') await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.close();
  });

  const newSession = (sid: string): NewSession => ({
    sid,
    userId: USER_ID,
    clientId: 'c1',
    authTime: T,
    scopes: ['orders:read', 'orders:write'],
    resources: ['orders-service'],
    expiresAt: T + 43_200,
    accessTokensExpireAt: T + 300,
  });

  it('opens a session with one live refresh token; each rotation leaves exactly one live', async () => {
    const first = hashRefreshToken(generateRefreshToken());
    const second = hashRefreshToken(generateRefreshToken());
    await insertSession(db, newSession('s-rotate'), first);
    expect(await findRefreshToken(db, first, { lock: false })).toEqual({
      session: {
        sid: 's-rotate',
        userId: USER_ID,
        clientId: 'c1',
        authTime: T,
        scopes: ['orders:read', 'orders:write'],
        resources: ['orders-service'],
        expiresAt: T + 43_200,
        lastActiveAt: T,
        accessTokensExpireAt: T + 300,
        endedAt: null,
      },
      token: { generation: 1, issuedAt: T, rotatedAt: null, graceUsedAt: null, liveGeneration: 1 },
    });
    await db.transaction((tx) => rotateRefreshToken(tx, 's-rotate', first, 1, second, T + 60.25));
    expect((await findRefreshToken(db, first, { lock: false }))?.token).toEqual({
      generation: 1,
      issuedAt: T,
      rotatedAt: T + 60.25,
      graceUsedAt: null,
      liveGeneration: 2,
    });
    expect((await findRefreshToken(db, second, { lock: false }))?.token).toMatchObject({
      generation: 2,
      rotatedAt: null,
      liveGeneration: 2,
    });
    await expect(
      db.transaction((tx) => rotateRefreshToken(tx, 's-rotate', first, 1, hashRefreshToken('x'), T + 61)),
    ).rejects.toThrow('rotated concurrently');
    await expect(
      db.query(
        `INSERT INTO refresh_tokens (token_hash, sid, generation, issued_at) VALUES ('sha256:other', 's-rotate', 9, now())`,
      ),
    ).rejects.toThrow(/refresh_tokens_one_live_idx/);
  });

  it('knows no unknown token, and stores a session opened without a refresh token', async () => {
    expect(await findRefreshToken(db, hashRefreshToken(generateRefreshToken()), { lock: false })).toBeUndefined();
    await insertSession(db, newSession('s-no-refresh'));
    expect(await db.query(`SELECT 1 FROM refresh_tokens WHERE sid = 's-no-refresh'`)).toEqual([]);
  });

  it('spends the reuse grace of a rotated token once, never of a live one', async () => {
    const first = hashRefreshToken(generateRefreshToken());
    const second = hashRefreshToken(generateRefreshToken());
    await insertSession(db, newSession('s-grace'), first);
    await expect(db.transaction((tx) => spendReuseGrace(tx, first, T + 1))).rejects.toThrow('grace spent');
    await db.transaction((tx) => rotateRefreshToken(tx, 's-grace', first, 1, second, T + 1));
    await db.transaction((tx) => spendReuseGrace(tx, first, T + 2));
    expect((await findRefreshToken(db, first, { lock: false }))?.token.graceUsedAt).toBe(T + 2);
    await expect(db.transaction((tx) => spendReuseGrace(tx, first, T + 3))).rejects.toThrow('grace spent');
  });

  it('restarts the idle clock on activity and moves the access-token expiry forward only', async () => {
    const token = hashRefreshToken(generateRefreshToken());
    await insertSession(db, newSession('s-activity'), token);
    await recordSessionActivity(db, 's-activity', T + 100, T + 400);
    await recordSessionActivity(db, 's-activity', T + 200, T + 350);
    expect((await findRefreshToken(db, token, { lock: false }))?.session).toMatchObject({
      lastActiveAt: T + 200,
      accessTokensExpireAt: T + 400,
    });
  });

  it('deletes the refresh tokens with their session', async () => {
    const token = hashRefreshToken(generateRefreshToken());
    await insertSession(db, newSession('s-delete'), token);
    await db.query(`DELETE FROM sessions WHERE sid = 's-delete'`);
    expect(await db.query('SELECT 1 FROM refresh_tokens WHERE token_hash = $1', [token])).toEqual([]);
  });
});

(databaseUrl ? describe : describe.skip)('session repository on postgres, two refreshes racing', () => {
  const raceSchema = `${schema}_race`;
  const racing = postgres(raceSchema);

  beforeAll(async () => {
    await racing.open();
    await runMigrations(racing, await readMigrations(defaultMigrationsDir()));
    await racing.query(`INSERT INTO users (id, username, password_hash) VALUES ($1, 'race', 'x')`, [RACING_USER_ID]);
    await racing.query(`INSERT INTO clients (id, secret_hash) VALUES ('c-race', 'x')`);
  });

  afterAll(async () => {
    await racing.query(`DROP SCHEMA IF EXISTS ${raceSchema} CASCADE`);
    await racing.close();
  });

  it('makes the second wait on the session lock and then see the first one’s rotation', async () => {
    const presented = hashRefreshToken(generateRefreshToken());
    await insertSession(
      racing,
      {
        sid: 's-race',
        userId: RACING_USER_ID,
        clientId: 'c-race',
        authTime: T,
        scopes: [],
        resources: [],
        expiresAt: T + 600,
        accessTokensExpireAt: T + 300,
      },
      presented,
    );
    let second: Promise<unknown> | undefined;
    await racing.transaction(async (tx) => {
      const first = await findRefreshToken(tx, presented, { lock: true });
      expect(first?.token.rotatedAt).toBeNull();
      const [{ pid }] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      second = racing.transaction((other) => findRefreshToken(other, presented, { lock: true }));
      await waitFor('the second refresh to wait on the session row', async () => {
        const waiting = await racing.query('SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [
          pid,
        ]);
        return waiting.length === 1 ? true : undefined;
      });
      await rotateRefreshToken(tx, 's-race', presented, 1, hashRefreshToken(generateRefreshToken()), T + 1);
    });
    expect(await second).toMatchObject({ token: { generation: 1, rotatedAt: T + 1, liveGeneration: 2 } });
  });
});
