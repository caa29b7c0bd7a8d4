import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import type { INestApplicationContext } from '@nestjs/common';
import { AppModule } from '../app.module.js';
import { Clock } from '../common/clock.js';
import { authServiceConfig, loadAuthServiceConfig } from '../config/auth-service.config.js';
import { Database } from '../storage/database.js';
import { DataRetention } from './data-retention.service.js';

const NOW_S = 1_900_000_000;
const DAY = 86_400;

/** The real module on the embedded database, at a fixed instant; rows are written with explicit timestamps. */
describe('DataRetention', () => {
  let app: INestApplicationContext;
  let db: Database;

  beforeAll(async () => {
    const config = loadAuthServiceConfig({
      NODE_ENV: 'test',
      AUTH_OUTBOX_RELAY_ENABLED: 'false',
      AUTH_OUTBOX_SENT_RETENTION_SECONDS: String(DAY),
      AUTH_SESSION_MAX_LIFETIME_SECONDS: String(12 * 3600),
      AUTH_AUDIT_RETENTION_DAYS: '30',
    });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(authServiceConfig.KEY)
      .useValue(config)
      .overrideProvider(Clock)
      .useValue({ now: () => NOW_S * 1000 })
      .compile();
    app = await moduleRef.init();
    db = app.get(Database);
  });

  afterAll(async () => {
    await app?.close();
  });

  const at = (ageS: number) => NOW_S - ageS;

  it('deletes what can no longer matter and keeps everything else, unsent outbox rows above all', async () => {
    await db.query('DELETE FROM outbox');
    await db.query('DELETE FROM audit_log');
    for (const [value, expiresAt] of [
      ['gone', at(301)],
      ['within-tolerance', at(299)],
      ['live', at(-600)],
    ] as const) {
      await db.query(
        `INSERT INTO revocations (target_type, target_value, revoked_at, expires_at, requested_by)
         VALUES ('jti', $1, to_timestamp($2), to_timestamp($2), 'spec')`,
        [value, expiresAt],
      );
    }
    for (const [key, sentAt, createdAt] of [
      ['sent-long-ago', at(DAY + 1), at(DAY + 2)],
      ['sent-recently', at(60), at(61)],
      ['never-sent', null, at(10 * DAY)],
    ] as const) {
      await db.query(
        `INSERT INTO outbox (topic, record_key, value, created_at, sent_at)
         VALUES ('t', $1, 'v', to_timestamp($2), to_timestamp($3))`,
        [key, createdAt, sentAt],
      );
    }
    const [user] = await db.query<{ id: string }>('SELECT id FROM users LIMIT 1');
    for (const [sid, createdAt] of [
      ['old-session', at(12 * 3600 + 1)],
      ['young-session', at(3600)],
    ] as const) {
      await db.query(
        `INSERT INTO sessions (sid, user_id, client_id, auth_time, created_at)
         VALUES ($1, $2, 'demo-app', to_timestamp($3), to_timestamp($3))`,
        [sid, user!.id, createdAt],
      );
    }
    for (const [type, ageS] of [
      ['spec.old', 30 * DAY + 1],
      ['spec.recent', 29 * DAY],
    ] as const) {
      await db.query(`INSERT INTO audit_log (type, actor, at) VALUES ($1, 'spec', to_timestamp($2))`, [type, at(ageS)]);
    }

    for (const [ref, expiresAt] of [
      ['forgotten', at(1)],
      ['remembered', at(-60)],
    ] as const) {
      await db.query(
        `INSERT INTO login_failures (client_id, username_ref, failures, last_failure_at, expires_at)
         VALUES ('demo-app', $1, 3, to_timestamp($2), to_timestamp($2))`,
        [ref, expiresAt],
      );
    }

    expect(await app.get(DataRetention).prune()).toEqual({
      revocations: 1,
      outbox: 1,
      sessions: 1,
      audit: 1,
      loginFailures: 1,
    });

    const left = async (sql: string) => (await db.query<{ v: string }>(sql)).map((row) => row.v).sort();
    expect(await left("SELECT target_value AS v FROM revocations WHERE requested_by = 'spec'")).toEqual([
      'live',
      'within-tolerance',
    ]);
    expect(await left('SELECT record_key AS v FROM outbox')).toEqual(['never-sent', 'sent-recently']);
    expect(await left("SELECT sid AS v FROM sessions WHERE sid LIKE '%-session'")).toEqual(['young-session']);
    expect(await left("SELECT type AS v FROM audit_log WHERE actor = 'spec'")).toEqual(['spec.recent']);
    expect(await left('SELECT username_ref AS v FROM login_failures')).toEqual(['remembered']);
  });

  it('deletes in batches until nothing is left to delete', async () => {
    await db.query(
      `INSERT INTO outbox (topic, record_key, value, created_at, sent_at)
       SELECT 't', 'bulk-' || n, 'v', to_timestamp($1), to_timestamp($1) FROM generate_series(1, 2500) AS n`,
      [at(2 * DAY)],
    );
    expect((await app.get(DataRetention).prune()).outbox).toBe(2500);
    expect(await db.query("SELECT 1 FROM outbox WHERE record_key LIKE 'bulk-%'")).toEqual([]);
  });
});
