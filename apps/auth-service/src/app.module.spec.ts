import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
} from 'jose';
import request from 'supertest';
import { AUTH_DEFAULTS } from '@app/auth/core';
import { parseRevocationEvent, TOPIC_EVENT_TYPES, verifySecurityEvent } from '@app/events';
import { AppModule } from './app.module.js';
import { Clock } from './common/clock.js';
import { authServiceConfig, loadAuthServiceConfig, type AuthServiceConfig } from './config/auth-service.config.js';
import { configureApp } from './configure-app.js';
import { Database } from './storage/database.js';
import { CapturingLogger } from '../../../test/support/capturing-logger.js';

const ISSUER = 'http://auth.test';
const DEMO = { id: 'demo-app', secret: 'dev-only-demo-app-secret' };
const READER = { id: 'orders-reader', secret: 'dev-only-orders-reader-secret' };
const ALICE = { username: 'alice', password: 'dev-only-alice-password', id: '5b0c2f6e-7d1a-4c61-9a57-0d3f1c2b8e41' };

const basic = (client: { id: string; secret: string }): string =>
  `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;

describe('AppModule (real module, embedded Postgres)', () => {
  let app: NestExpressApplication;
  let db: Database;
  let config: AuthServiceConfig;
  let jwks: JSONWebKeySet;
  const logger = new CapturingLogger();
  const issuedTokens: string[] = [];
  /** Injected clock: real time plus an offset the tests move forward. */
  let clockOffsetMs = 0;
  const clock: Clock = { now: () => Date.now() + clockOffsetMs };

  const http = () => request(app.getHttpServer());
  const token = async (form: Record<string, string>, client = DEMO) => {
    const response = await http().post('/oauth/token').set('Authorization', basic(client)).type('form').send(form);
    if (response.status === 200) issuedTokens.push(response.body.access_token);
    return response;
  };

  beforeAll(async () => {
    config = loadAuthServiceConfig({ NODE_ENV: 'test', AUTH_ISSUER: ISSUER, AUTH_OUTBOX_RELAY_ENABLED: 'false' });
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
    jwks = (await http().get('/.well-known/jwks.json').expect(200)).body;
  });

  afterAll(async () => {
    await app?.close();
  });

  describe('discovery, JWKS, health', () => {
    it('publishes RFC 8414 metadata', async () => {
      const { body } = await http().get('/.well-known/oauth-authorization-server').expect(200);
      expect(body).toMatchObject({
        issuer: ISSUER,
        token_endpoint: `${ISSUER}/oauth/token`,
        revocation_endpoint: `${ISSUER}/oauth/revoke`,
        introspection_endpoint: `${ISSUER}/oauth/introspect`,
        jwks_uri: `${ISSUER}/.well-known/jwks.json`,
        grant_types_supported: ['client_credentials', 'password', 'refresh_token'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        scopes_supported: ['auth:admin', 'billing:read', 'orders:read', 'orders:write'],
      });
    });

    it('publishes the current key and the next one, ES256, kid = RFC 7638 thumbprint, stored encrypted', async () => {
      expect(jwks.keys).toHaveLength(2);
      const { calculateJwkThumbprint } = await import('jose');
      for (const key of jwks.keys as JWK[]) {
        expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
        expect(key).not.toHaveProperty('d');
        expect(key.kid).toBe(await calculateJwkThumbprint(key, 'sha256'));
      }
      const [current, next] = jwks.keys as JWK[];
      const rows = await db.query<{ kid: string; state: string; private_key_ciphertext: string }>(
        'SELECT kid, state, private_key_ciphertext FROM signing_keys ORDER BY state',
      );
      expect(rows.map((row) => [row.kid, row.state])).toEqual([
        [current!.kid, 'current'],
        [next!.kid, 'next'],
      ]);
      for (const row of rows) expect(row.private_key_ciphertext).not.toContain('"d"');
      const audit = await db.query<{ type: string; details: { kid: string; purpose?: string } }>(
        `SELECT type, details FROM audit_log WHERE type LIKE 'key.%' ORDER BY id`,
      );
      expect(audit.map((a) => [a.type, a.details.kid])).toEqual([
        ['key.created', current!.kid],
        ['key.activated', current!.kid],
        ['key.created', next!.kid],
        ['key.published', next!.kid],
        ['key.decrypted', current!.kid],
      ]);
    });

    it('reports health', async () => {
      await http().get('/health').expect(200, { status: 'ok', database: 'pglite' });
    });

    it('stores client secrets as keyed hashes and the password as argon2id', async () => {
      const clients = await db.query<{ secret_hash: string }>('SELECT secret_hash FROM clients');
      expect(clients).toHaveLength(3);
      for (const c of clients) expect(c.secret_hash).toMatch(/^hmac-sha256:[A-Za-z0-9_-]{43}$/);
      const users = await db.query<{ password_hash: string }>('SELECT password_hash FROM users');
      expect(users[0]!.password_hash).toMatch(/^\$argon2id\$/);
    });
  });

  describe('POST /oauth/token', () => {
    it('issues an RFC 9068 access token for client_credentials (client_secret_basic)', async () => {
      const response = await token({ grant_type: 'client_credentials', scope: 'orders:read' });
      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'orders:read' });
      const { payload, protectedHeader } = await jwtVerify(response.body.access_token, createLocalJWKSet(jwks), {
        issuer: ISSUER,
        audience: 'orders-service',
        typ: 'at+jwt',
        algorithms: ['ES256'],
      });
      expect(protectedHeader).toEqual({ alg: 'ES256', kid: jwks.keys[0]!.kid, typ: 'at+jwt' });
      expect(payload).toMatchObject({
        iss: ISSUER,
        sub: `client:${DEMO.id}`,
        aud: ['orders-service'],
        client_id: DEMO.id,
        scope: 'orders:read',
      });
      expect(payload.exp! - payload.iat!).toBe(300);
      expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
      expect(payload).not.toHaveProperty('sid');
    });

    it('grants everything allowed when no scope is sent (client_secret_post), aud = all their resource servers', async () => {
      const response = await http()
        .post('/oauth/token')
        .type('form')
        .send({ grant_type: 'client_credentials', client_id: DEMO.id, client_secret: DEMO.secret });
      expect(response.status).toBe(200);
      issuedTokens.push(response.body.access_token);
      expect(response.body.scope).toBe('billing:read orders:read orders:write');
      const { payload } = await jwtVerify(response.body.access_token, createLocalJWKSet(jwks), { issuer: ISSUER });
      expect(payload.aud).toEqual(['billing-service', 'orders-service']);
    });

    it('narrows the audience with resource (RFC 8707)', async () => {
      const response = await token({ grant_type: 'client_credentials', resource: 'billing-service' });
      expect(response.status).toBe(200);
      expect(response.body.scope).toBe('billing:read');
      await http()
        .post('/oauth/token')
        .set('Authorization', basic(DEMO))
        .type('form')
        .send({ grant_type: 'client_credentials', resource: 'payments-service' })
        .expect(400, { error: 'invalid_target', error_description: 'unknown resource' });
    });

    it('issues a password-grant token with sid and auth_time backed by a sessions row', async () => {
      const response = await token({ grant_type: 'password', username: ALICE.username, password: ALICE.password });
      expect(response.status).toBe(200);
      const { payload } = await jwtVerify(response.body.access_token, createLocalJWKSet(jwks), { issuer: ISSUER });
      expect(payload).toMatchObject({
        sub: ALICE.id,
        client_id: DEMO.id,
        scope: 'billing:read orders:read orders:write',
      });
      expect(typeof payload['auth_time']).toBe('number');
      const sessions = await db.query<{ user_id: string; client_id: string }>(
        'SELECT user_id, client_id FROM sessions WHERE sid = $1',
        [payload['sid']],
      );
      expect(sessions).toEqual([{ user_id: ALICE.id, client_id: DEMO.id }]);
    });

    it.each([
      ['wrong password', { username: ALICE.username, password: 'nope' }],
      ['unknown user', { username: 'mallory', password: 'nope' }],
    ])('refuses the password grant with invalid_grant for a %s', async (_name, form) => {
      const response = await token({ grant_type: 'password', ...form });
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_grant');
    });

    it('refuses a disabled user', async () => {
      await db.query('UPDATE users SET disabled = true WHERE id = $1', [ALICE.id]);
      try {
        const response = await token({ grant_type: 'password', username: ALICE.username, password: ALICE.password });
        expect(response.body.error).toBe('invalid_grant');
      } finally {
        await db.query('UPDATE users SET disabled = false WHERE id = $1', [ALICE.id]);
      }
    });

    it.each(
      (
        [
          ['wrong secret (Basic)', { Authorization: basic({ ...DEMO, secret: 'wrong' }) }, {}, 401, 'invalid_client'],
          ['unknown client (Basic)', { Authorization: basic({ id: 'ghost', secret: 'x' }) }, {}, 401, 'invalid_client'],
          ['malformed Basic', { Authorization: 'Basic !!!' }, {}, 401, 'invalid_client'],
          ['wrong secret (post)', {}, { client_id: DEMO.id, client_secret: 'wrong' }, 401, 'invalid_client'],
          ['no client authentication', {}, {}, 401, 'invalid_client'],
          ['client_id without secret', {}, { client_id: DEMO.id }, 401, 'invalid_client'],
          [
            'two authentication methods',
            { Authorization: basic(DEMO) },
            { client_id: DEMO.id, client_secret: DEMO.secret },
            400,
            'invalid_request',
          ],
          [
            'a repeated parameter',
            { Authorization: basic(DEMO) },
            { scope: ['orders:read', 'orders:write'] },
            400,
            'invalid_request',
          ],
          [
            'unknown grant type',
            { Authorization: basic(DEMO) },
            { grant_type: 'urn:ietf:params:oauth:grant-type:device_code' },
            400,
            'unsupported_grant_type',
          ],
          ['missing grant type', { Authorization: basic(DEMO) }, { grant_type: '' }, 400, 'invalid_request'],
          [
            'grant not allowed for the client',
            { Authorization: basic(READER) },
            { grant_type: 'password', username: 'alice', password: 'x' },
            400,
            'unauthorized_client',
          ],
          [
            'scope not allowed for the client',
            { Authorization: basic(READER) },
            { scope: 'orders:write' },
            400,
            'invalid_scope',
          ],
          [
            'scope the user lacks',
            { Authorization: basic(DEMO) },
            { grant_type: 'password', username: ALICE.username, password: ALICE.password, scope: 'auth:admin' },
            400,
            'invalid_scope',
          ],
        ] as [string, Record<string, string>, Record<string, string | string[]>, number, string][]
      ).map(
        ([name, headers, form, status, error]) =>
          [`${name} → ${status} ${error}`, headers, form, status, error] as const,
      ),
    )('answers %s', async (_name, headers, form, status, error) => {
      const response = await http()
        .post('/oauth/token')
        .set(headers)
        .type('form')
        .send({ grant_type: 'client_credentials', ...form });
      expect(response.status).toBe(status);
      expect(response.body.error).toBe(error);
      expect(response.headers['cache-control']).toBe('no-store');
      if (status === 401)
        expect(response.headers['www-authenticate']).toBe('Basic realm="auth-service", charset="UTF-8"');
    });
  });

  describe('POST /oauth/introspect and /oauth/revoke', () => {
    const introspect = async (value: string, client = DEMO) =>
      (
        await http()
          .post('/oauth/introspect')
          .set('Authorization', basic(client))
          .type('form')
          .send({ token: value })
          .expect(200)
      ).body;

    it('says active with the token claims, and active:false for garbage', async () => {
      const issued = (await token({ grant_type: 'password', username: ALICE.username, password: ALICE.password })).body
        .access_token as string;
      const body = await introspect(issued);
      expect(body).toMatchObject({
        active: true,
        client_id: DEMO.id,
        sub: ALICE.id,
        iss: ISSUER,
        token_type: 'Bearer',
        scope: 'billing:read orders:read orders:write',
        aud: ['billing-service', 'orders-service'],
      });
      expect(typeof body.sid).toBe('string');
      expect(await introspect('not-a-token')).toEqual({ active: false });
      const [h, p] = issued.split('.');
      expect(await introspect(`${h}.${p}.${'A'.repeat(86)}`)).toEqual({ active: false });
    });

    it('says active:false once the token has expired; revoking still works within the longest clock tolerance', async () => {
      const issued = (await token({ grant_type: 'client_credentials', scope: 'orders:read' })).body
        .access_token as string;
      const revoke = () =>
        http().post('/oauth/revoke').set('Authorization', basic(DEMO)).type('form').send({ token: issued });
      const before = await db.query('SELECT id FROM outbox');
      try {
        clockOffsetMs = (config.accessTokenTtlSeconds + AUTH_DEFAULTS.maxClockToleranceSeconds + 1) * 1000;
        expect(await introspect(issued)).toEqual({ active: false });
        await revoke().expect(200);
        expect(await db.query('SELECT id FROM outbox')).toHaveLength(before.length);
        clockOffsetMs = (config.accessTokenTtlSeconds + 1) * 1000;
        expect(await introspect(issued)).toEqual({ active: false });
        await revoke().expect(200);
        expect(await db.query('SELECT id FROM outbox')).toHaveLength(before.length + 1);
      } finally {
        clockOffsetMs = 0;
      }
    });

    it('requires client authentication', async () => {
      const response = await http().post('/oauth/introspect').type('form').send({ token: 'x' });
      expect(response.status).toBe(401);
      expect(response.body.error).toBe('invalid_client');
    });

    it('refuses to revoke a token of another client (RFC 7009 §2.1) and tells that client nothing about it', async () => {
      const issued = (await token({ grant_type: 'client_credentials', scope: 'orders:read' })).body
        .access_token as string;
      const refused = await http()
        .post('/oauth/revoke')
        .set('Authorization', basic(READER))
        .type('form')
        .send({ token: issued })
        .expect(400);
      expect(refused.body.error).toBe('unauthorized_client');
      expect(await introspect(issued, READER)).toEqual({ active: false });
      expect(await introspect(issued)).toMatchObject({ active: true });
      await http()
        .post('/oauth/revoke')
        .set('Authorization', basic(READER))
        .type('form')
        .send({ token: 'garbage' })
        .expect(200);
    });

    it('revokes: revocation + signed SET in the outbox + audit, then introspection says inactive', async () => {
      const issued = (await token({ grant_type: 'client_credentials', scope: 'orders:read' })).body
        .access_token as string;
      const { payload } = await jwtVerify(issued, createLocalJWKSet(jwks), { issuer: ISSUER });
      const before = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
      const response = await http()
        .post('/oauth/revoke')
        .set('Authorization', basic(DEMO))
        .type('form')
        .send({ token: issued });
      expect(response.status).toBe(200);
      expect(response.text).toBe('');

      const revocations = await db.query<{ target_type: string; requested_by: string; exp: number }>(
        `SELECT target_type, requested_by, extract(epoch FROM expires_at)::int AS exp FROM revocations WHERE target_value = $1`,
        [payload.jti],
      );
      expect(revocations).toEqual([{ target_type: 'jti', requested_by: DEMO.id, exp: payload.exp }]);
      const outbox = await db.query<{ topic: string; record_key: string; value: string; sent_at: Date | null }>(
        'SELECT topic, record_key, value, sent_at FROM outbox ORDER BY id',
      );
      expect(outbox).toHaveLength(before[0]!.n + 1);
      const row = outbox.at(-1)!;
      expect(row).toMatchObject({ topic: 'auth.revocations.v1', record_key: `jti:${payload.jti}`, sent_at: null });
      expect(decodeProtectedHeader(row.value)).toEqual({ alg: 'ES256', kid: jwks.keys[0]!.kid, typ: 'secevent+jwt' });
      const verified = await verifySecurityEvent(row.value, {
        issuer: ISSUER,
        audience: 'billing-service',
        algorithms: ['ES256'],
        types: TOPIC_EVENT_TYPES.revocations,
        resolveKey: async () => (await importJWK(jwks.keys[0]!, 'ES256')) as CryptoKey,
      });
      expect(parseRevocationEvent(verified)).toMatchObject({
        target: { type: 'jti', value: payload.jti },
        expiresAt: payload.exp,
      });
      const audit = await db.query<{ actor: string; details: { jti: string } }>(
        `SELECT actor, details FROM audit_log WHERE type = 'token.revoked' AND details->>'jti' = $1`,
        [payload.jti],
      );
      expect(audit).toEqual([{ actor: DEMO.id, details: expect.objectContaining({ jti: payload.jti }) }]);

      expect(await introspect(issued)).toEqual({ active: false });
      // Revoking again is a no-op: no second event.
      await http()
        .post('/oauth/revoke')
        .set('Authorization', basic(DEMO))
        .type('form')
        .send({ token: issued })
        .expect(200);
      expect(await db.query('SELECT 1 FROM outbox WHERE record_key = $1', [`jti:${payload.jti}`])).toHaveLength(1);
    });

    it('writes revocation and outbox in ONE transaction (outbox failure leaves no revocation)', async () => {
      const issued = (await token({ grant_type: 'client_credentials', scope: 'orders:read' })).body
        .access_token as string;
      const { payload } = await jwtVerify(issued, createLocalJWKSet(jwks), { issuer: ISSUER });
      await db.query('ALTER TABLE outbox RENAME TO outbox_away');
      try {
        const response = await http()
          .post('/oauth/revoke')
          .set('Authorization', basic(DEMO))
          .type('form')
          .send({ token: issued });
        expect(response.status).toBe(500);
        expect(response.body).toEqual({ error: 'server_error' });
      } finally {
        await db.query('ALTER TABLE outbox_away RENAME TO outbox');
      }
      expect(await db.query('SELECT 1 FROM revocations WHERE target_value = $1', [payload.jti])).toEqual([]);
      expect(await introspect(issued)).toMatchObject({ active: true });
    });

    it('refuses a JSON body (form encoding only) with invalid_request', async () => {
      const response = await http()
        .post('/oauth/token')
        .set('Authorization', basic(DEMO))
        .send({ grant_type: 'client_credentials' });
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_request');
    });

    it("answers a form the body parser refuses (too large) with an OAuth error, other routes with Nest's", async () => {
      const tooLarge = await http()
        .post('/oauth/token')
        .set('Authorization', basic(DEMO))
        .type('form')
        .send(`grant_type=client_credentials&pad=${'x'.repeat(20_000)}`);
      expect(tooLarge.status).toBe(400);
      expect(tooLarge.body).toMatchObject({ error: 'invalid_request' });
      expect(tooLarge.headers['cache-control']).toBe('no-store');
      const caseVariant = await http().post('/OAuth/token').type('form').send({ grant_type: 'client_credentials' });
      expect(caseVariant.status).toBe(401);
      expect(caseVariant.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
      const unknownRoute = await http().get('/nowhere');
      expect(unknownRoute.status).toBe(404);
      expect(unknownRoute.body.error).toBe('Not Found');
    });

    it('requires the token parameter', async () => {
      const response = await http().post('/oauth/revoke').set('Authorization', basic(DEMO)).type('form').send({});
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_request');
    });
  });

  it('never logged a secret, a password or a token', () => {
    const logs = logger.lines.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    const secrets = [DEMO.secret, READER.secret, ALICE.password, ...issuedTokens.map((t) => t.split('.')[2]!)];
    expect(issuedTokens.length).toBeGreaterThan(5);
    for (const secret of secrets) expect(logs).not.toContain(secret);
    expect(logs).not.toContain(config.keyEncryptionKey.toString('base64'));
  });
});
