import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../app.module.js';
import { Clock } from '../common/clock.js';
import { authServiceConfig, loadAuthServiceConfig } from '../config/auth-service.config.js';
import { configureApp } from '../configure-app.js';
import { Database } from '../storage/database.js';
import { CapturingLogger } from '../../../../test/support/capturing-logger.js';
import { parsePrometheusText } from '../../../../test/support/prometheus-text.js';

const DEMO = `Basic ${Buffer.from('demo-app:dev-only-demo-app-secret').toString('base64')}`;
const ALICE = { username: 'alice', password: 'dev-only-alice-password' };

// Embedded Postgres and no relay (rows stay in the outbox); publishing and propagation are in test/metrics.e2e-spec.ts.
describe('auth-service /metrics and /health (real module, embedded Postgres)', () => {
  let app: NestExpressApplication;
  let clockOffsetMs = 0;
  const clock: Clock = { now: () => Date.now() + clockOffsetMs };
  const http = () => request(app.getHttpServer());
  const tokenRequest = (form: Record<string, string>, authorization = DEMO) =>
    http().post('/oauth/token').set('Authorization', authorization).type('form').send(form);
  const metrics = async () => {
    const answer = await http().get('/metrics').expect(200);
    expect(answer.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parsePrometheusText(answer.text);
  };

  beforeAll(async () => {
    const config = loadAuthServiceConfig({
      NODE_ENV: 'test',
      AUTH_ISSUER: 'http://auth.test',
      AUTH_OUTBOX_RELAY_ENABLED: 'false',
    });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(authServiceConfig.KEY)
      .useValue(config)
      .overrideProvider(Clock)
      .useValue(clock)
      .compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: new CapturingLogger() });
    configureApp(app);
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('serves the DESIGN.md names of the auth service, the /admin guard and the default process metrics', async () => {
    const { types } = await metrics();
    expect(Object.fromEntries([...types].filter(([name]) => name.startsWith('auth_')))).toEqual({
      auth_tokens_issued_total: 'counter',
      auth_token_requests_failed_total: 'counter',
      auth_outbox_pending_records: 'gauge',
      auth_outbox_publish_seconds: 'histogram',
      auth_signing_key_age_seconds: 'gauge',
      auth_token_verifications_total: 'counter',
      auth_revocation_entries: 'gauge',
      auth_events_applied_total: 'counter',
      auth_events_dropped_total: 'counter',
      auth_event_propagation_seconds: 'histogram',
      auth_stream_staleness_seconds: 'gauge',
      auth_signing_keys: 'gauge',
    });
    expect(types.get('process_cpu_seconds_total')).toBe('counter');
    expect(types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
  });

  it('counts tokens issued by grant type and failed token requests by RFC 6749 error', async () => {
    const before = (await metrics()).samples;
    await tokenRequest({ grant_type: 'client_credentials', scope: 'orders:read' }).expect(200);
    await tokenRequest({ grant_type: 'client_credentials', scope: 'orders:read' }).expect(200);
    await tokenRequest({ grant_type: 'password', scope: 'orders:read', ...ALICE }).expect(200);
    await tokenRequest({ grant_type: 'password', username: 'alice', password: 'wrong' }).expect(400);
    await tokenRequest({ grant_type: 'client_credentials' }, 'Basic ZGVtby1hcHA6bm9wZQ==').expect(401);
    await tokenRequest({ grant_type: 'device_code' }).expect(400);
    await http()
      .post('/oauth/revoke')
      .set('Authorization', 'Basic ZGVtby1hcHA6bm9wZQ==')
      .type('form')
      .send({ token: 'x' })
      .expect(401);

    const { samples } = await metrics();
    const delta = (key: string) => Number(samples.get(key) ?? 0) - Number(before.get(key) ?? 0);
    expect(delta('auth_tokens_issued_total{grant_type="client_credentials"}')).toBe(2);
    expect(delta('auth_tokens_issued_total{grant_type="password"}')).toBe(1);
    expect(samples.get('auth_tokens_issued_total{grant_type="refresh_token"}')).toBe('0');
    expect(delta('auth_token_requests_failed_total{error="invalid_grant"}')).toBe(1);
    expect(delta('auth_token_requests_failed_total{error="unsupported_grant_type"}')).toBe(1);
    // The failed revocation is not a token request.
    expect(delta('auth_token_requests_failed_total{error="invalid_client"}')).toBe(1);
  });

  it('reads pending outbox rows and the age of each published signing key from the database at each scrape', async () => {
    const db = app.get(Database);
    const unsent = async () =>
      Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL'))[0].n);
    const token = (await tokenRequest({ grant_type: 'client_credentials', scope: 'orders:read' }).expect(200)).body
      .access_token as string;
    await http().post('/oauth/revoke').set('Authorization', DEMO).type('form').send({ token }).expect(200);
    const pending = await unsent();
    expect(pending).toBeGreaterThan(0);
    expect((await metrics()).samples.get('auth_outbox_pending_records')).toBe(String(pending));

    const keys = await db.query<{ kid: string; state: string }>(
      `SELECT kid, state FROM signing_keys WHERE state IN ('next', 'current', 'previous')`,
    );
    expect(keys.map((key) => key.state).sort()).toEqual(['current', 'next']);
    clockOffsetMs = 3_600_000;
    const { samples } = await metrics();
    for (const { kid, state } of keys) {
      const age = Number(samples.get(`auth_signing_key_age_seconds{kid="${kid}",state="${state}"}`));
      expect(age).toBeGreaterThanOrEqual(3_600);
      expect(age).toBeLessThan(3_600 + 600);
    }
  });

  it('answers /health/live 200 and /health/ready 503 naming the part that is not ready (the relay is off)', async () => {
    const live = await http().get('/health/live').expect(200);
    expect(live.body).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
    const ready = await http().get('/health/ready').expect(503);
    expect(ready.body).toMatchObject({
      status: 'error',
      info: { database: { status: 'up', kind: 'pglite' }, signingKey: { status: 'up' } },
      error: { outboxRelay: { status: 'down', enabled: false } },
    });
    expect(ready.body.error.outboxRelay.message).toMatch(/disabled/);
    expect(ready.headers['cache-control']).toBe('no-cache, no-store, must-revalidate');
    await http().get('/health').expect(200, { status: 'ok', database: 'pglite' });
  });
});
