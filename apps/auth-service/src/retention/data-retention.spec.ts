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
      AUTH_SESSION_IDLE_TIMEOUT_SECONDS: '1800',
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

  it('deletes what can no longer matter and keeps everything else, unsent outbox rows and open sessions above all', async () => {
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
    const HOUR = 3600;
    // [sid, ended, expires, last active, latest access-token exp], as ages (negative: in the future)
    for (const [sid, endedAge, expiresAge, activeAge, tokensAge] of [
      ['ended-tokens-gone', 600, -HOUR, 600, 301],
      ['ended-token-within-tolerance', 600, -HOUR, 600, 299],
      ['expired-tokens-gone', null, 1, 400, 301],
      ['idle-tokens-gone', null, -HOUR, 1801, 301],
      ['open-tokens-gone', null, -HOUR, 1799, 301],
      ['open-for-long', null, -HOUR, 60, -240],
    ] as const) {
      await db.query(
        `INSERT INTO sessions (sid, user_id, client_id, auth_time, created_at, ended_at, end_reason, expires_at,
                               last_active_at, access_tokens_expire_at)
         VALUES ($1, $2, 'demo-app', to_timestamp($3), to_timestamp($3), to_timestamp($4), $5, to_timestamp($6),
                 to_timestamp($7), to_timestamp($8))`,
        [
          sid,
          user!.id,
          at(11 * HOUR),
          endedAge === null ? null : at(endedAge),
          endedAge === null ? null : 'logout',
          at(expiresAge),
          at(activeAge),
          at(tokensAge),
        ],
      );
      for (const generation of [1, 2]) {
        await db.query(
          `INSERT INTO refresh_tokens (token_hash, sid, generation, issued_at, rotated_at)
           VALUES ($1, $2, $3, to_timestamp($4), $5)`,
          [`sha256:${sid}-${generation}`, sid, generation, at(11 * HOUR), generation === 1 ? new Date() : null],
        );
      }
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
      refreshTokens: 6,
      sessions: 3,
      audit: 1,
      loginFailures: 1,
    });

    const left = async (sql: string) => (await db.query<{ v: string }>(sql)).map((row) => row.v).sort();
    expect(await left("SELECT target_value AS v FROM revocations WHERE requested_by = 'spec'")).toEqual([
      'live',
      'within-tolerance',
    ]);
    expect(await left('SELECT record_key AS v FROM outbox')).toEqual(['never-sent', 'sent-recently']);
    const kept = ['ended-token-within-tolerance', 'open-for-long', 'open-tokens-gone'];
    expect(await left("SELECT sid AS v FROM sessions WHERE sid LIKE '%-%-%'")).toEqual(kept);
    expect(await left('SELECT DISTINCT sid AS v FROM refresh_tokens')).toEqual(kept);
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
