import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { performance } from 'node:perf_hooks';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { ResourceServer, type ResourceServerStatus } from '@app/auth';
import { KeyLifecycle } from '../apps/auth-service/src/keys/key-lifecycle.service.js';
import { AuthServiceEvents } from '../apps/auth-service/src/observability/auth-service.events.js';
import { callWithToken, clientCredentialsToken, CLIENTS, introspect, revokeToken } from './support/oauth-client.js';
import {
  formatStageTable,
  msUntilRevoked,
  PropagationStageRecorder,
  summarizeLatencies,
  untilRevoked,
} from './support/propagation.js';
import { startStack, type RunningService, type Stack } from './support/services.js';

const REVOCATIONS = 200;

let stack: Stack;
let auth: Stack['auth'];
let orders: Stack['orders'];
let billing: Stack['billing'];

beforeAll(async () => {
  stack = await startStack(process.env.KAFKA_BROKERS!);
  ({ auth, orders, billing } = stack);
});

afterAll(async () => {
  await stack?.close();
});

describe('revocation over Kafka', () => {
  it(`reaches both services within milliseconds of the 200 (${REVOCATIONS} revocations, stages printed)`, async () => {
    const stages = new PropagationStageRecorder({
      auth: auth.app.get(AuthServiceEvents),
      resourceServers: { orders: orders.app.get(ResourceServer), billing: billing.app.get(ResourceServer) },
    });
    const latencies = { orders: [] as number[], billing: [] as number[] };
    const firstTry = { orders: 0, billing: 0 };
    const keys: string[] = [];
    for (let round = 0; round < REVOCATIONS; round += 1) {
      const token = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read billing:read');
      expect((await callWithToken(`${orders.url}/orders`, token)).status).toBe(200);
      expect((await callWithToken(`${billing.url}/invoices`, token)).status).toBe(200);
      expect(await revokeToken(auth.url, CLIENTS.demo, token)).toBe(200);
      const revokedAt = performance.now();
      const [atOrders, atBilling] = await Promise.all([
        untilRevoked(`${orders.url}/orders`, token, revokedAt),
        untilRevoked(`${billing.url}/invoices`, token, revokedAt),
      ]);
      latencies.orders.push(atOrders.ms);
      latencies.billing.push(atBilling.ms);
      if (atOrders.attempts === 1) firstTry.orders += 1;
      if (atBilling.attempts === 1) firstTry.billing += 1;
      keys.push(`jti:${decodeJwt(token).jti}`);
    }
    stages.stop();
    console.log(
      `revoke response → first 401, per service: ${JSON.stringify(summarizeLatencies(latencies))}; ` +
        `refused at the first call: ${JSON.stringify(firstTry)} of ${REVOCATIONS}`,
    );
    console.log(`stage breakdown (ms):\n${formatStageTable(stages.breakdown(keys))}`);
    // Every revocation went through every stage, in order, at both services. Two timestamps are when a promise
    // resumed, not when the thing happened: the commit (the relay, woken by NOTIFY, may read the row first) and the
    // ack (a consumer's fetch may hand it over first).
    for (const key of keys) {
      const { readAt, ackedAt, services } = stages.stagesOf(key)!;
      expect(Object.keys(services).sort()).toEqual(['billing', 'orders']);
      expect(ackedAt!).toBeGreaterThan(readAt!);
      for (const at of Object.values(services)) {
        const order = [readAt!, at.receivedAt, at.verifiedAt, at.appliedAt];
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }
    }
    // The 200 came once the broker had the event: most first calls after it are refused already (loose bounds:
    // this machine is shared; without the wait, the relay alone takes longer than a round trip).
    expect(summarizeLatencies(latencies).orders.p50Ms).toBeLessThan(20);
    expect(summarizeLatencies(latencies).billing.p50Ms).toBeLessThan(20);
    expect(Math.max(...latencies.orders, ...latencies.billing)).toBeLessThan(1_000);
  });

  it('makes introspection answer active:false and nothing else for a revoked token', async () => {
    const token = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read');
    expect(await introspect(auth.url, CLIENTS.demo, token)).toMatchObject({ active: true, client_id: 'demo-app' });
    expect(await revokeToken(auth.url, CLIENTS.demo, token)).toBe(200);
    expect(await introspect(auth.url, CLIENTS.demo, token)).toEqual({ active: false });
  });

  it("answers 200 to revoking an unknown token, refuses another client's token (400), and revokes nothing", async () => {
    const untouched = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read');
    expect(await revokeToken(auth.url, CLIENTS.demo, 'not-a-token')).toBe(200);
    expect(await revokeToken(auth.url, CLIENTS.ordersReader, untouched)).toBe(400);
    // Events are relayed in order: once a later revocation has arrived, an earlier one would have too.
    const barrier = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read');
    expect(await revokeToken(auth.url, CLIENTS.demo, barrier)).toBe(200);
    await msUntilRevoked(`${orders.url}/orders`, barrier, performance.now());
    expect((await callWithToken(`${orders.url}/orders`, untouched)).status).toBe(200);
  });
});

describe('verified-token cache', () => {
  const cacheEntries = async (service: RunningService): Promise<number> =>
    ((await (await fetch(`${service.url}/health`)).json()) as ResourceServerStatus).tokenCache.entries;

  /** Presents `token` three times at both services and proves the repeats were answered from the cache. */
  async function presentRepeatedly(token: string): Promise<void> {
    for (const [service, route] of [
      [orders, '/orders'],
      [billing, '/invoices'],
    ] as const) {
      const before = await cacheEntries(service);
      for (let i = 0; i < 3; i += 1) expect((await callWithToken(`${service.url}${route}`, token)).status).toBe(200);
      expect(await cacheEntries(service)).toBe(before + 1);
    }
  }

  it('refuses a cached token at both services once its jti is revoked', async () => {
    const token = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read billing:read');
    await presentRepeatedly(token);
    expect(await revokeToken(auth.url, CLIENTS.demo, token)).toBe(200);
    const revokedAt = performance.now();
    await Promise.all([
      msUntilRevoked(`${orders.url}/orders`, token, revokedAt),
      msUntilRevoked(`${billing.url}/invoices`, token, revokedAt),
    ]);
  });

  // Last in this file: it revokes the signing key the stack was started with (the next key takes over).
  it('drops the cached tokens of a revoked key at both services: they are refused', async () => {
    const token = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read billing:read');
    await presentRepeatedly(token);
    await auth.app.get(KeyLifecycle).revoke('e2e-operator', decodeProtectedHeader(token).kid!, 'e2e: cached tokens');
    const revokedAt = performance.now();
    await Promise.all([
      msUntilRevoked(`${orders.url}/orders`, token, revokedAt),
      msUntilRevoked(`${billing.url}/invoices`, token, revokedAt),
    ]);
    // Every token cached so far was signed by that key, and a refusal is never cached.
    expect([await cacheEntries(orders), await cacheEntries(billing)]).toEqual([0, 0]);
  });
});
