import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rm } from 'node:fs/promises';
import { Database } from '../apps/auth-service/src/storage/database.js';
import { startBroker, type BrokerHandle } from '../tools/kafka/broker.mjs';
import { callWithToken, clientCredentialsToken, CLIENTS, revokeToken } from './support/oauth-client.js';
import { startAuthService, startOrdersService, uniqueKafkaSetup, type RunningService } from './support/services.js';
import { waitFor } from './support/wait-for.js';

const REVOKED_WHILE_DOWN = 5;

let broker: BrokerHandle;
let auth: RunningService & { config: { issuer: string } };
let orders: RunningService;

beforeAll(async () => {
  broker = await startBroker();
  const kafka = uniqueKafkaSetup(broker.brokers);
  auth = await startAuthService(kafka);
  orders = await startOrdersService({ issuer: auth.config.issuer, kafka });
  await waitFor('orders readiness', async () => ((await fetch(`${orders.url}/health`)).ok ? true : undefined), {
    timeoutMs: 30_000,
  });
});

afterAll(async () => {
  await orders?.close();
  await auth?.close();
  await broker?.stop();
  if (broker !== undefined) await rm(broker.dataDir, { recursive: true, force: true });
});

describe('revocations made while the broker is down', () => {
  it('are accepted, kept in the outbox and delivered once it is back, none lost', async () => {
    const tokens = await Promise.all(
      Array.from({ length: REVOKED_WHILE_DOWN + 1 }, () =>
        clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read'),
      ),
    );
    const kept = tokens.pop()!;
    for (const token of tokens) {
      expect((await callWithToken(`${orders.url}/orders`, token)).status).toBe(200);
    }

    await broker.stop();
    for (const token of tokens) {
      expect(await revokeToken(auth.url, CLIENTS.demo, token)).toBe(200);
    }
    const db = auth.app.get(Database);
    const pending = await db.query<{ count: string }>(
      "SELECT count(*)::text AS count FROM outbox WHERE sent_at IS NULL AND record_key LIKE 'jti:%'",
    );
    expect(Number(pending[0]!.count)).toBe(REVOKED_WHILE_DOWN);

    broker = await startBroker({ port: broker.port, controllerPort: broker.controllerPort, dataDir: broker.dataDir });
    for (const token of tokens) {
      await waitFor(
        'orders to refuse a token revoked during the outage',
        async () => ((await callWithToken(`${orders.url}/orders`, token)).status === 401 ? true : undefined),
        { timeoutMs: 60_000, intervalMs: 100 },
      );
    }
    const after = await db.query<{ count: string }>('SELECT count(*)::text AS count FROM outbox WHERE sent_at IS NULL');
    expect(Number(after[0]!.count)).toBe(0);
    expect((await callWithToken(`${orders.url}/orders`, kept)).status).toBe(200);
  });
});
