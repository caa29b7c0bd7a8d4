import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { performance } from 'node:perf_hooks';
import { decodeProtectedHeader } from 'jose';
import type { ResourceServerStatus } from '@app/auth';
import { KeyLifecycle } from '../apps/auth-service/src/keys/key-lifecycle.service.js';
import { callWithToken, clientCredentialsToken, CLIENTS, introspect, revokeToken } from './support/oauth-client.js';
import { msUntilRevoked, summarizeLatencies } from './support/propagation.js';
import { startStack, type RunningService, type Stack } from './support/services.js';

const REVOCATIONS = 20;

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
  it(`reaches both services within milliseconds (${REVOCATIONS} revocations measured)`, async () => {
    const latencies = { orders: [] as number[], billing: [] as number[] };
    for (let round = 0; round < REVOCATIONS; round += 1) {
      const token = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read billing:read');
      expect((await callWithToken(`${orders.url}/orders`, token)).status).toBe(200);
      expect((await callWithToken(`${billing.url}/invoices`, token)).status).toBe(200);
      expect(await revokeToken(auth.url, CLIENTS.demo, token)).toBe(200);
      const revokedAt = performance.now();
      const [atOrders, atBilling] = await Promise.all([
        msUntilRevoked(`${orders.url}/orders`, token, revokedAt),
        msUntilRevoked(`${billing.url}/invoices`, token, revokedAt),
      ]);
      latencies.orders.push(atOrders);
      latencies.billing.push(atBilling);
    }
    console.log(`revoke response → first 401, per service: ${JSON.stringify(summarizeLatencies(latencies))}`);
    expect(latencies.orders).toHaveLength(REVOCATIONS);
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
