import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { decodeJwt, type JWTPayload } from 'jose';
import request from 'supertest';
import { EVENT_TYPES } from '@app/events';
import { AppModule } from '../app.module.js';
import { hashClientSecret } from '../clients/client-secret.hasher.js';
import { Clock } from '../common/clock.js';
import { authServiceConfig, loadAuthServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { configureApp } from '../configure-app.js';
import { Database } from '../storage/database.js';
import { CapturingLogger } from '../../../../test/support/capturing-logger.js';
import { readAllRows } from '../../../../test/support/schema-rows.js';
import { hashRefreshToken } from './refresh-token.js';

const DEMO = { id: 'demo-app', secret: 'dev-only-demo-app-secret' };
const READER = { id: 'orders-reader', secret: 'dev-only-orders-reader-secret' };
/** Two clients of this spec: one allowed refresh tokens (not demo-app's sessions'), one allowed the password grant only. */
const OTHER = { id: 'other-app', secret: 'other-app-secret-for-this-spec-only' };
const PASSWORD_ONLY = { id: 'password-only', secret: 'password-only-secret-for-this-spec' };
const ALICE = { username: 'alice', password: 'dev-only-alice-password', id: '5b0c2f6e-7d1a-4c61-9a57-0d3f1c2b8e41' };
const ALICE_ROLES = ['orders-clerk', 'billing-viewer'];
const LIFETIME_S = 3600;
const IDLE_S = 600;
const TTL_S = 300;

const basic = (client: { id: string; secret: string }): string =>
  `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;

/**
 * Sessions through the real module: password grant, refresh rotation, reuse, grace, lifetimes (injected clock), the
 * scopes of refreshed tokens, revocation and introspection of refresh tokens. On the real Postgres when the run
 * provides one (DATABASE_URL), in a schema of its own.
 */
describe('sessions at /oauth/token, /oauth/revoke and /oauth/introspect (real module, injected clock)', () => {
  let app: NestExpressApplication;
  let db: Database;
  let config: AuthServiceConfig;
  const logger = new CapturingLogger();
  const schema = `sessions_it_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const databaseUrl = process.env['DATABASE_URL'] || undefined;
  /** Injected clock: real time plus an offset the tests move forward (never back: key timelines follow it). */
  let offsetMs = 0;
  const clock: Clock = { now: () => Date.now() + offsetMs };
  const advance = (seconds: number): void => {
    offsetMs += seconds * 1000;
  };
  const issued: string[] = [];

  const http = () => request(app.getHttpServer());
  const token = async (form: Record<string, string | string[]>, client: { id: string; secret: string } = DEMO) => {
    const response = await http().post('/oauth/token').set('Authorization', basic(client)).type('form').send(form);
    for (const field of ['access_token', 'refresh_token']) {
      if (typeof response.body[field] === 'string') issued.push(response.body[field]);
    }
    return response;
  };
  const login = async (form: Record<string, string | string[]> = {}, client = DEMO) => {
    const response = await token(
      { grant_type: 'password', username: ALICE.username, password: ALICE.password, ...form },
      client,
    );
    expect(response.status).toBe(200);
    return response.body as { access_token: string; refresh_token?: string; scope: string; expires_in: number };
  };
  const refresh = (refreshToken: string, form: Record<string, string | string[]> = {}, client = DEMO) =>
    token({ grant_type: 'refresh_token', refresh_token: refreshToken, ...form }, client);
  const claims = (accessToken: string): JWTPayload & { sid?: string; auth_time?: number; scope?: string } =>
    decodeJwt(accessToken);
  const form = (path: string, fields: Record<string, string>, client: { id: string; secret: string } = DEMO) =>
    http().post(path).set('Authorization', basic(client)).type('form').send(fields);
  const introspect = async (value: string, client = DEMO, hint?: string) =>
    (
      await form(
        '/oauth/introspect',
        { token: value, ...(hint === undefined ? {} : { token_type_hint: hint }) },
        client,
      )
    ).body as Record<string, unknown>;
  const sidEvents = (sid: string) => db.query('SELECT 1 FROM outbox WHERE record_key = $1', [`sid:${sid}`]);
  const sessionEnd = async (sid: string) =>
    (await db.query<{ end_reason: string | null }>('SELECT end_reason FROM sessions WHERE sid = $1', [sid]))[0]
      ?.end_reason;
  const withGrace = async (seconds: number, work: () => Promise<void>): Promise<void> => {
    config.sessions.refreshTokenReuseGraceSeconds = seconds;
    try {
      await work();
    } finally {
      config.sessions.refreshTokenReuseGraceSeconds = 0;
    }
  };

  beforeAll(async () => {
    config = loadAuthServiceConfig({
      NODE_ENV: 'test',
      AUTH_OUTBOX_RELAY_ENABLED: 'false',
      AUTH_ACCESS_TOKEN_TTL_SECONDS: String(TTL_S),
      AUTH_SESSION_MAX_LIFETIME_SECONDS: String(LIFETIME_S),
      AUTH_SESSION_IDLE_TIMEOUT_SECONDS: String(IDLE_S),
      DATABASE_URL: databaseUrl,
      AUTH_DATABASE_SCHEMA: schema,
      // Far more token requests per minute than the default limit (tested in rate-limits.e2e-spec.ts).
      AUTH_RATE_LIMIT_TOKEN_REQUESTS: '1000000',
    });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(authServiceConfig.KEY)
      .useValue(config)
      .overrideProvider(Clock)
      .useValue(clock)
      .compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger });
    configureApp(app);
    await app.init();
    db = app.get(Database);
    for (const [client, grants] of [
      [OTHER, ['password', 'refresh_token']],
      [PASSWORD_ONLY, ['password']],
    ] as const) {
      await db.query(`INSERT INTO clients (id, secret_hash, grant_types, scopes) VALUES ($1, $2, $3, $4)`, [
        client.id,
        hashClientSecret(config.clientSecretHashKey, client.secret),
        grants,
        ['orders:read', 'billing:read'],
      ]);
    }
  });

  afterAll(async () => {
    if (databaseUrl !== undefined) await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await app?.close();
  });

  describe('password grant', () => {
    it('opens a session and returns an opaque refresh token, stored only as its hash', async () => {
      const body = await login();
      expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const { sid, auth_time: authTime, exp } = claims(body.access_token);
      const [session] = await db.query<Record<string, unknown>>(
        `SELECT scopes, resources, extract(epoch FROM expires_at)::float8 AS expires,
                extract(epoch FROM access_tokens_expire_at)::float8 AS latest_exp FROM sessions WHERE sid = $1`,
        [sid],
      );
      expect(session).toEqual({
        scopes: ['billing:read', 'orders:read', 'orders:write'],
        resources: [],
        expires: authTime! + LIFETIME_S,
        latest_exp: exp,
      });
      expect(
        await db.query('SELECT generation FROM refresh_tokens WHERE token_hash = $1 AND sid = $2', [
          hashRefreshToken(body.refresh_token!),
          sid,
        ]),
      ).toEqual([{ generation: 1 }]);
      const everything = JSON.stringify(await readAllRows(db));
      expect(everything).not.toContain(body.refresh_token);
    });

    it('gives no refresh token to a client without the refresh_token grant', async () => {
      const body = await login({}, PASSWORD_ONLY);
      expect(body).not.toHaveProperty('refresh_token');
      expect(typeof claims(body.access_token).sid).toBe('string');
    });
  });

  describe('refresh_token grant', () => {
    it('rotates: a new access token of the same session and auth_time, a new refresh token, the old one dead', async () => {
      const first = await login();
      advance(30);
      const response = await refresh(first.refresh_token!);
      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toMatchObject({
        token_type: 'Bearer',
        expires_in: TTL_S,
        scope: 'billing:read orders:read orders:write',
      });
      expect(response.body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(response.body.refresh_token).not.toBe(first.refresh_token);
      const before = claims(first.access_token);
      const after = claims(response.body.access_token);
      expect(after).toMatchObject({ sid: before.sid, auth_time: before.auth_time, sub: ALICE.id, client_id: DEMO.id });
      expect(after.iat).toBeGreaterThanOrEqual(before.iat! + 30);
      expect(after.jti).not.toBe(before.jti);
      expect(
        await db.query('SELECT generation FROM refresh_tokens WHERE sid = $1 AND rotated_at IS NULL', [after.sid]),
      ).toEqual([{ generation: 2 }]);
      expect((await refresh(response.body.refresh_token)).status).toBe(200);
    });

    it('revokes the whole session when a dead refresh token comes back: one sid event, audited, every token dead', async () => {
      const first = await login();
      const second = (await refresh(first.refresh_token!)).body;
      const third = (await refresh(second.refresh_token)).body;
      const { sid } = claims(first.access_token);
      const replay = await refresh(first.refresh_token!);
      expect(replay.status).toBe(400);
      expect(replay.body).toEqual({ error: 'invalid_grant', error_description: 'invalid refresh token' });
      expect(await sessionEnd(sid!)).toBe('refresh_token_reuse');
      for (const dead of [first.refresh_token!, second.refresh_token, third.refresh_token]) {
        expect((await refresh(dead)).body.error).toBe('invalid_grant');
      }
      const revocations = await db.query<{ exp: number; requested_by: string; reason: string }>(
        `SELECT extract(epoch FROM expires_at)::int AS exp, requested_by, reason FROM revocations
          WHERE target_type = 'sid' AND target_value = $1`,
        [sid],
      );
      expect(revocations).toEqual([
        { exp: claims(third.access_token).exp, requested_by: DEMO.id, reason: 'refresh_token_reuse' },
      ]);
      const events = await db.query<{ value: string }>('SELECT value FROM outbox WHERE record_key = $1', [
        `sid:${sid}`,
      ]);
      expect(events).toHaveLength(1);
      const payload = decodeJwt(events[0]!.value) as { events: Record<string, unknown> };
      expect(Object.keys(payload.events)).toEqual([EVENT_TYPES.sessionRevoked]);
      expect(
        await db.query<{ actor: string; details: Record<string, unknown> }>(
          `SELECT actor, details FROM audit_log WHERE type = 'session.revoked' AND details->>'sid' = $1`,
          [sid],
        ),
      ).toEqual([
        {
          actor: DEMO.id,
          details: { sid, sub: ALICE.id, clientId: DEMO.id, reason: 'refresh_token_reuse' },
        },
      ]);
    });

    it("refuses another client's refresh token and leaves its session alone", async () => {
      const body = await login();
      expect((await refresh(body.refresh_token!, {}, OTHER)).body.error).toBe('invalid_grant');
      expect(await sessionEnd(claims(body.access_token).sid!)).toBeNull();
      expect((await refresh(body.refresh_token!)).status).toBe(200);
    });

    it.each([
      ['a client without the refresh_token grant', 'unauthorized_client', READER, { refresh_token: 'A'.repeat(43) }],
      ['no refresh_token', 'invalid_request', DEMO, {}],
      ['a malformed refresh token', 'invalid_grant', DEMO, { refresh_token: 'not a refresh token' }],
      ['an access token as refresh token', 'invalid_grant', DEMO, { refresh_token: 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln' }],
      ['an unknown refresh token', 'invalid_grant', DEMO, { refresh_token: 'A'.repeat(43) }],
    ])('answers %s with 400 %s', async (_name, error, client, form) => {
      const response = await token({ grant_type: 'refresh_token', ...form }, client);
      expect(response.status).toBe(400);
      expect(response.body.error).toBe(error);
    });
  });

  describe('scopes of a refreshed token (RFC 6749 §6)', () => {
    it('narrows with scope, then returns to the original grant, never beyond it', async () => {
      const body = await login({ scope: 'orders:read billing:read' });
      const narrowed = await refresh(body.refresh_token!, { scope: 'orders:read' });
      expect(narrowed.body.scope).toBe('orders:read');
      expect(claims(narrowed.body.access_token).aud).toEqual(['orders-service']);
      const wider = await refresh(narrowed.body.refresh_token, { scope: 'orders:read orders:write' });
      expect(wider.status).toBe(400);
      expect(wider.body.error).toBe('invalid_scope');
      // A refused scope consumes nothing: the refresh token is still the live one.
      const original = await refresh(narrowed.body.refresh_token);
      expect(original.body.scope).toBe('billing:read orders:read');
    });

    it("follows the user's current roles", async () => {
      const body = await login();
      await db.query('UPDATE users SET roles = $2 WHERE id = $1', [ALICE.id, ['orders-clerk']]);
      try {
        const refreshed = await refresh(body.refresh_token!);
        expect(refreshed.body.scope).toBe('orders:read orders:write');
        expect(claims(refreshed.body.access_token).aud).toEqual(['orders-service']);
      } finally {
        await db.query('UPDATE users SET roles = $2 WHERE id = $1', [ALICE.id, ALICE_ROLES]);
      }
    });

    it("keeps the login's resources, and narrows only within them", async () => {
      const body = await login({ resource: 'orders-service' });
      const refreshed = await refresh(body.refresh_token!);
      expect(refreshed.body.scope).toBe('orders:read orders:write');
      expect(claims(refreshed.body.access_token).aud).toEqual(['orders-service']);
      const elsewhere = await refresh(refreshed.body.refresh_token, { resource: 'billing-service' });
      expect(elsewhere.body.error).toBe('invalid_target');
    });

    it('ends the session of a disabled user', async () => {
      const body = await login();
      await db.query('UPDATE users SET disabled = true WHERE id = $1', [ALICE.id]);
      try {
        expect((await refresh(body.refresh_token!)).body.error).toBe('invalid_grant');
      } finally {
        await db.query('UPDATE users SET disabled = false WHERE id = $1', [ALICE.id]);
      }
      expect(await sessionEnd(claims(body.access_token).sid!)).toBe('user_disabled');
      expect((await refresh(body.refresh_token!)).body.error).toBe('invalid_grant');
    });
  });

  describe('lifetimes (injected clock)', () => {
    it('ends a session not refreshed within the idle timeout', async () => {
      const body = await login();
      advance(IDLE_S - 1);
      const kept = await refresh(body.refresh_token!);
      expect(kept.status).toBe(200);
      advance(IDLE_S);
      const late = await refresh(kept.body.refresh_token);
      expect(late.body.error).toBe('invalid_grant');
      expect(await sessionEnd(claims(body.access_token).sid!)).toBe('idle');
    });

    it('ends a session at its absolute lifetime however often it is refreshed, keeping auth_time until then', async () => {
      const body = await login();
      const { sid, auth_time: authTime } = claims(body.access_token);
      let refreshToken = body.refresh_token!;
      let elapsed = 0;
      while (elapsed + IDLE_S - 1 < LIFETIME_S) {
        advance(IDLE_S - 1);
        elapsed += IDLE_S - 1;
        const refreshed = await refresh(refreshToken);
        expect(refreshed.status).toBe(200);
        expect(claims(refreshed.body.access_token)).toMatchObject({ sid, auth_time: authTime });
        refreshToken = refreshed.body.refresh_token;
      }
      advance(LIFETIME_S - elapsed);
      expect((await refresh(refreshToken)).body.error).toBe('invalid_grant');
      expect(await sessionEnd(sid!)).toBe('expired');
    });
  });

  describe('reuse grace (AUTH_REFRESH_TOKEN_REUSE_GRACE_SECONDS)', () => {
    it('accepts the immediately previous token once more within the grace, with an access token only', async () => {
      await withGrace(5, async () => {
        const first = await login();
        const second = await refresh(first.refresh_token!);
        advance(4);
        const raced = await refresh(first.refresh_token!);
        expect(raced.status).toBe(200);
        expect(raced.body).not.toHaveProperty('refresh_token');
        expect(claims(raced.body.access_token).sid).toBe(claims(first.access_token).sid);
        // Only once: the third use is reuse.
        expect((await refresh(first.refresh_token!)).body.error).toBe('invalid_grant');
        expect(await sessionEnd(claims(first.access_token).sid!)).toBe('refresh_token_reuse');
        expect((await refresh(second.body.refresh_token)).body.error).toBe('invalid_grant');
      });
    });

    it('takes the previous token after the grace, or an older one within it, for theft', async () => {
      await withGrace(5, async () => {
        const late = await login();
        await refresh(late.refresh_token!);
        advance(6);
        expect((await refresh(late.refresh_token!)).body.error).toBe('invalid_grant');
        expect(await sessionEnd(claims(late.access_token).sid!)).toBe('refresh_token_reuse');

        const older = await login();
        const next = await refresh(older.refresh_token!);
        await refresh(next.body.refresh_token);
        expect((await refresh(older.refresh_token!)).body.error).toBe('invalid_grant');
        expect(await sessionEnd(claims(older.access_token).sid!)).toBe('refresh_token_reuse');
      });
    });
  });

  describe('POST /oauth/revoke with a refresh token (RFC 7009)', () => {
    it.each([['refresh_token'], ['access_token'], [undefined]])(
      'ends its session with one sid event, whatever the hint (%s)',
      async (hint) => {
        const first = await login();
        const second = (await refresh(first.refresh_token!)).body;
        const { sid } = claims(first.access_token);
        const revoke = () =>
          form('/oauth/revoke', {
            token: second.refresh_token,
            ...(hint === undefined ? {} : { token_type_hint: hint }),
          });
        const response = await revoke();
        expect(response.status).toBe(200);
        expect(response.text).toBe('');
        expect(await sessionEnd(sid!)).toBe('logout');
        expect((await refresh(second.refresh_token)).body.error).toBe('invalid_grant');
        for (const accessToken of [first.access_token, second.access_token]) {
          expect(await introspect(accessToken)).toEqual({ active: false });
        }
        expect(
          await db.query<{ details: Record<string, unknown> }>(
            `SELECT details FROM audit_log WHERE type = 'session.revoked' AND details->>'sid' = $1`,
            [sid],
          ),
        ).toEqual([{ details: expect.objectContaining({ reason: 'logout' }) }]);
        await revoke().expect(200);
        expect(await sidEvents(sid!)).toHaveLength(1);
      },
    );

    it('ends the session for a rotated refresh token too: a revocation is no reuse', async () => {
      const first = await login();
      await refresh(first.refresh_token!);
      await form('/oauth/revoke', { token: first.refresh_token! }).expect(200);
      expect(await sessionEnd(claims(first.access_token).sid!)).toBe('logout');
    });

    it("refuses another client's refresh token (400 unauthorized_client) and answers 200 for an unknown one", async () => {
      const body = await login();
      const refused = await form('/oauth/revoke', { token: body.refresh_token! }, OTHER);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe('unauthorized_client');
      expect(await sessionEnd(claims(body.access_token).sid!)).toBeNull();
      await form('/oauth/revoke', { token: 'B'.repeat(43) }).expect(200);
      expect((await refresh(body.refresh_token!)).status).toBe(200);
    });
  });

  describe('POST /oauth/introspect with a refresh token (RFC 7662)', () => {
    it('is active while it is the live token of an open session, and says until when it can be used', async () => {
      const first = await login({ scope: 'orders:read billing:read' });
      const { sid, auth_time: authTime } = claims(first.access_token);
      const answer = await introspect(first.refresh_token!, DEMO, 'access_token');
      expect(answer).toEqual({
        active: true,
        scope: 'billing:read orders:read',
        client_id: DEMO.id,
        sub: ALICE.id,
        iss: config.issuer,
        exp: expect.any(Number),
        iat: authTime,
        sid,
      });
      expect(answer.exp).toBeGreaterThan(Math.floor(clock.now() / 1000) + IDLE_S - 5);
      expect(answer.exp).toBeLessThanOrEqual(Math.floor(clock.now() / 1000) + IDLE_S);
      const second = (await refresh(first.refresh_token!)).body;
      expect(await introspect(first.refresh_token!)).toEqual({ active: false });
      expect(await introspect(second.refresh_token)).toMatchObject({ active: true, sid });
      expect(await introspect(second.refresh_token, OTHER)).toEqual({ active: false });
      advance(IDLE_S);
      expect(await introspect(second.refresh_token)).toEqual({ active: false });
    });

    it("reports the scopes a refresh would grant now, and nothing for a disabled user's token", async () => {
      const body = await login();
      await db.query('UPDATE users SET roles = $2 WHERE id = $1', [ALICE.id, ['billing-viewer']]);
      try {
        expect(await introspect(body.refresh_token!)).toMatchObject({ active: true, scope: 'billing:read' });
        await db.query('UPDATE users SET disabled = true WHERE id = $1', [ALICE.id]);
        expect(await introspect(body.refresh_token!)).toEqual({ active: false });
      } finally {
        await db.query('UPDATE users SET roles = $2, disabled = false WHERE id = $1', [ALICE.id, ALICE_ROLES]);
      }
    });
  });

  it('never logged a refresh token, an access token or a password', () => {
    const logs = logger.lines.join('\n');
    expect(logs).toContain('refresh refused');
    expect(issued.length).toBeGreaterThan(20);
    for (const value of [...issued, ALICE.password, DEMO.secret]) expect(logs).not.toContain(value);
  });
});
