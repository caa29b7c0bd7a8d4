/**
 * /metrics and /health/live|ready on the three services, against the real broker and database: after a verified
 * request, a rejected one, a revocation and its propagation, the counters carry the DESIGN.md names and labels and
 * the propagation histogram has the revocation in it; the auth service counts tokens by grant type and failures by
 * error, and times its outbox. Prints a few sample lines of each /metrics for the closing note.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { tamper } from './support/crafted-tokens.js';
import {
  callWithToken,
  CLIENTS,
  clientCredentialsToken,
  passwordLogin,
  requestToken,
  revokeToken,
} from './support/oauth-client.js';
import { parsePrometheusText, type PrometheusText } from './support/prometheus-text.js';
import { msUntilRevoked } from './support/propagation.js';
import { startOrdersService, startStack, type RunningService, type Stack } from './support/services.js';
import { waitFor } from './support/wait-for.js';

let stack: Stack;
const extra: RunningService[] = [];

beforeAll(async () => {
  stack = await startStack(process.env.KAFKA_BROKERS!);
}, 120_000);

afterAll(async () => {
  await Promise.all(extra.map((service) => service.close()));
  await stack?.close();
});

async function scrape(service: RunningService): Promise<PrometheusText & { text: string }> {
  const response = await fetch(`${service.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const text = await response.text();
  return { ...parsePrometheusText(text), text };
}

const value = (metrics: PrometheusText, sample: string): number => Number(metrics.samples.get(sample) ?? Number.NaN);

/** Lines of the exposition whose metric name starts with one of `prefixes`, for the printed sample. */
function sampleLines(text: string, prefixes: string[]): string {
  return text
    .split('\n')
    .filter((line) => prefixes.some((prefix) => line.startsWith(prefix)))
    .join('\n');
}

describe('resource servers /metrics (orders on Fastify, billing on Express)', () => {
  it('count verifications by result and errorCode, events by topic, and time the revocation from iat to applied', async () => {
    const { auth, orders, billing } = stack;
    const token = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read billing:read');
    const routes = [
      { service: orders, url: `${orders.url}/orders` },
      { service: billing, url: `${billing.url}/invoices` },
    ];
    for (const { url } of routes) {
      expect((await callWithToken(url, token)).status).toBe(200);
      expect((await callWithToken(url, tamper(token, { scope: 'orders:write' }))).body.errorCode).toBe(
        'ERR_TOKEN_SIGNATURE_INVALID',
      );
    }
    const propagatedBefore = await Promise.all(
      routes.map(async ({ service }) => value(await scrape(service), 'auth_event_propagation_seconds_count')),
    );
    const revokedAt = performance.now();
    expect(await revokeToken(auth.url, CLIENTS.demo, token)).toBe(200);
    for (const { url } of routes) await msUntilRevoked(url, token, revokedAt);

    const { revocationsTopic, keysTopic } = auth.config.kafka;
    for (const [i, { service }] of routes.entries()) {
      const metrics = await scrape(service);
      expect(value(metrics, 'auth_token_verifications_total{result="ok",code="OK"}')).toBeGreaterThanOrEqual(1);
      expect(
        value(metrics, 'auth_token_verifications_total{result="rejected",code="ERR_TOKEN_SIGNATURE_INVALID"}'),
      ).toBe(1);
      expect(
        value(metrics, 'auth_token_verifications_total{result="rejected",code="ERR_TOKEN_REVOKED"}'),
      ).toBeGreaterThanOrEqual(1);
      expect(value(metrics, `auth_events_applied_total{topic="${revocationsTopic}"}`)).toBeGreaterThanOrEqual(2);
      expect(value(metrics, `auth_events_applied_total{topic="${keysTopic}"}`)).toBeGreaterThanOrEqual(2);
      expect(value(metrics, 'auth_revocation_entries{type="jti"}')).toBeGreaterThanOrEqual(1);
      expect(value(metrics, 'auth_signing_keys{state="current"}')).toBe(1);
      expect(value(metrics, 'auth_signing_keys{state="next"}')).toBe(1);
      // Heartbeats (every 5 s) are not propagation: the revocation is what was added meanwhile.
      const propagated = value(metrics, 'auth_event_propagation_seconds_count');
      expect(propagated - propagatedBefore[i]).toBe(1);
      expect(value(metrics, 'auth_event_propagation_seconds_bucket{le="+Inf"}')).toBe(propagated);
      expect(value(metrics, 'auth_event_propagation_seconds_bucket{le="2"}')).toBeGreaterThanOrEqual(1);
      const staleness = value(metrics, 'auth_stream_staleness_seconds');
      expect(staleness).toBeGreaterThanOrEqual(0);
      expect(staleness).toBeLessThan(30);
      expect(metrics.types.get('process_resident_memory_bytes')).toBe('gauge');
      process.stdout.write(
        `\n/metrics sample (${service === orders ? 'orders-service' : 'billing-service'}):\n` +
          sampleLines(metrics.text, [
            'auth_token_verifications_total',
            'auth_event_propagation_seconds_bucket{le="0.1"}',
            'auth_event_propagation_seconds_bucket{le="1"}',
            'auth_event_propagation_seconds_sum',
            'auth_event_propagation_seconds_count',
            'auth_revocation_entries{type="jti"}',
            'auth_stream_staleness_seconds ',
            'auth_signing_keys',
          ]) +
          '\n',
      );
    }
  });
});

describe('auth-service /metrics', () => {
  it('counts tokens issued by grant type and failed token requests by error, and times the outbox', async () => {
    const { auth } = stack;
    await passwordLogin(auth.url, 'orders:read');
    const wrongSecret = { id: CLIENTS.demo.id, secret: 'not-the-secret' } as unknown as typeof CLIENTS.demo;
    expect((await requestToken(auth.url, wrongSecret, { grant_type: 'client_credentials' })).status).toBe(401);
    expect((await requestToken(auth.url, CLIENTS.demo, { grant_type: 'device_code' })).body.error).toBe(
      'unsupported_grant_type',
    );
    const token = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read');
    expect(await revokeToken(auth.url, CLIENTS.demo, token)).toBe(200);

    const metrics = await waitFor('the outbox to drain', async () => {
      const scraped = await scrape(auth);
      return value(scraped, 'auth_outbox_pending_records') === 0 ? scraped : undefined;
    });
    expect(value(metrics, 'auth_tokens_issued_total{grant_type="client_credentials"}')).toBeGreaterThanOrEqual(2);
    expect(value(metrics, 'auth_tokens_issued_total{grant_type="password"}')).toBeGreaterThanOrEqual(1);
    expect(value(metrics, 'auth_token_requests_failed_total{error="invalid_client"}')).toBe(1);
    expect(value(metrics, 'auth_token_requests_failed_total{error="unsupported_grant_type"}')).toBe(1);
    expect(value(metrics, 'auth_outbox_publish_seconds_count')).toBeGreaterThanOrEqual(1);
    const ages = [...metrics.samples].filter(([sample]) => sample.startsWith('auth_signing_key_age_seconds{'));
    expect(ages.map(([sample]) => /state="(\w+)"/.exec(sample)![1]).sort()).toEqual(['current', 'next']);
    // The /admin guard is a resource server too.
    expect(metrics.types.get('auth_token_verifications_total')).toBe('counter');
    process.stdout.write(
      '\n/metrics sample (auth-service):\n' +
        sampleLines(metrics.text, [
          'auth_tokens_issued_total',
          'auth_token_requests_failed_total',
          'auth_outbox_pending_records',
          'auth_outbox_publish_seconds_count',
          'auth_outbox_publish_seconds_sum',
          'auth_signing_key_age_seconds',
        ]) +
        '\n',
    );
  });
});

describe('/health/live and /health/ready', () => {
  it('answer 200 on all three services once ready, in the terminus shape', async () => {
    const { auth, orders, billing } = stack;
    for (const service of [auth, orders, billing]) {
      const live = await fetch(`${service.url}/health/live`);
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
    }
    for (const service of [orders, billing]) {
      const ready = await fetch(`${service.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        status: 'ok',
        error: {},
        info: {
          keys: { status: 'up' },
          revocations: { status: 'up', caughtUp: true },
          keyEvents: { status: 'up', caughtUp: true },
          staleness: { status: 'up' },
        },
      });
    }
    const ready = await waitFor('auth-service readiness', async () => {
      const response = await fetch(`${auth.url}/health/ready`);
      return response.status === 200 ? response.json() : undefined;
    });
    expect(ready).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, signingKey: { status: 'up' }, outboxRelay: { status: 'up', active: true } },
    });
  });

  it('a stale fail-open service answers /health/ready 503 naming staleness, and keeps serving its routes', async () => {
    const { auth } = stack;
    const { revocationsTopic, keysTopic, revocationSnapshotsTopic } = auth.config.kafka;
    // Heartbeats every 5 s against a 1 s bound: stale most of the time between two of them.
    const orders = await startOrdersService({
      issuer: auth.config.issuer,
      kafka: { brokers: process.env.KAFKA_BROKERS!, revocationsTopic, keysTopic, revocationSnapshotsTopic },
      env: { ORDERS_MAX_STALENESS_SECONDS: '1' },
    });
    extra.push(orders);
    const body = await waitFor('a /health/ready stale and nothing else', async () => {
      const response = await fetch(`${orders.url}/health/ready`);
      const answer = (await response.json()) as { error: Record<string, { message?: string }> };
      // Caught up (keys, both topics) and stale: staleness is the only part down.
      const down = Object.keys(answer.error ?? {});
      return response.status === 503 && down.length === 1 && down[0] === 'staleness' ? answer : undefined;
    });
    expect(body).toMatchObject({ status: 'error', error: { staleness: { status: 'down', policy: 'open' } } });
    expect(body.error.staleness.message).toMatch(/fail-open: still accepting tokens/);
    const token = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read');
    expect((await callWithToken(`${orders.url}/orders`, token)).status).toBe(200);
  });
});
