import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rm } from 'node:fs/promises';
import type { ResourceServerStatus } from '@app/auth';
import { describeTopics, KafkaConnection, TopicReader } from '@app/events/kafka';
import { startBroker, type BrokerHandle, type StartBrokerOptions } from '../tools/kafka/broker.mjs';
import { freePort } from './support/free-port.js';
import { clientCredentialsToken, CLIENTS, revokeToken } from './support/oauth-client.js';
import {
  startAuthService,
  startBillingService,
  startOrdersService,
  uniqueKafkaSetup,
  type KafkaSetup,
  type RunningService,
} from './support/services.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { waitFor } from './support/wait-for.js';

/**
 * Bounded staleness against a real broker of this file's own: auth-service beats every 2 s, orders (fail-open)
 * and billing (fail-closed) tolerate 6 s. Billing reaches the broker through a TCP proxy that can cut it alone off;
 * auth-service and orders connect directly. The broker has a second listener advertised at the proxy, so every
 * connection billing's Kafka client opens (bootstrap and partition leader alike) goes through the proxy.
 */

// A Retry-After of 2 tells "stale" (the heartbeat interval) apart from "catching up" (1).
const HEARTBEAT_INTERVAL_SECONDS = 2;
const MAX_STALENESS_SECONDS = 6;
/** A poll round trip and a busy machine on top of the bound: the refusal must start by then. */
const BOUND_SLACK_SECONDS = 3;
/** Long enough for a stale bound to pass and for consumers to rejoin a broker that came back. */
const RECOVERY = { timeoutMs: 90_000, intervalMs: 100 };

let brokerOptions: StartBrokerOptions;
let broker: BrokerHandle;
let proxy: TcpProxy;
let kafka: KafkaSetup;
let auth: RunningService & { config: { issuer: string; database: { schema: string } } };
let orders: RunningService;
let billing: RunningService;
const extra: RunningService[] = [];

beforeAll(async () => {
  const [port, controllerPort, gatedPort] = [await freePort(), await freePort(), await freePort()];
  proxy = new TcpProxy(gatedPort);
  const proxyPort = await proxy.listen();
  brokerOptions = {
    port,
    controllerPort,
    extraProperties: {
      listeners: `PLAINTEXT://127.0.0.1:${port},GATED://127.0.0.1:${gatedPort},CONTROLLER://127.0.0.1:${controllerPort}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${port},GATED://127.0.0.1:${proxyPort}`,
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,GATED:PLAINTEXT,CONTROLLER:PLAINTEXT',
    },
  };
  broker = await startBroker(brokerOptions);
  brokerOptions = { ...brokerOptions, dataDir: broker.dataDir };

  kafka = uniqueKafkaSetup(broker.brokers);
  auth = await startAuthService(kafka, { AUTH_HEARTBEAT_INTERVAL_SECONDS: String(HEARTBEAT_INTERVAL_SECONDS) });
  orders = await startOrdersService({
    issuer: auth.config.issuer,
    kafka,
    env: { ORDERS_MAX_STALENESS_SECONDS: String(MAX_STALENESS_SECONDS) },
  });
  billing = await startBillingService({
    issuer: auth.config.issuer,
    kafka: { ...kafka, brokers: `127.0.0.1:${proxyPort}` },
    env: { BILLING_MAX_STALENESS_SECONDS: String(MAX_STALENESS_SECONDS) },
  });
  for (const service of [orders, billing]) {
    await waitFor(`${service.url} readiness`, async () => ((await health(service)).status === 200 ? true : undefined), {
      timeoutMs: 60_000,
    });
  }
});

afterAll(async () => {
  await Promise.all([orders, billing, ...extra].map((service) => service?.close()));
  await auth?.close();
  await proxy?.close();
  await broker?.stop();
  if (broker !== undefined) await rm(broker.dataDir, { recursive: true, force: true });
});

async function health(service: RunningService): Promise<{ status: number; body: ResourceServerStatus }> {
  const response = await fetch(`${service.url}/health`);
  return { status: response.status, body: (await response.json()) as ResourceServerStatus };
}

/** GET with a bearer token: status, `Retry-After`, `WWW-Authenticate` and the body's `errorCode`. */
async function call(url: string, token: string) {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as { errorCode?: string };
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    challenge: response.headers.get('www-authenticate'),
    errorCode: body.errorCode,
  };
}

const invoices = (token: string) => call(`${billing.url}/invoices`, token);
const ordersList = (token: string) => call(`${orders.url}/orders`, token);

const token = () => clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read billing:read');

/** Polls until billing answers `status` for `bearer`. */
function billingAnswers(status: number, bearer: string, what: string) {
  return waitFor(
    what,
    async () => {
      const answer = await invoices(bearer);
      return answer.status === status ? answer : undefined;
    },
    RECOVERY,
  );
}

const STALE_503 = {
  status: 503,
  retryAfter: String(HEARTBEAT_INTERVAL_SECONDS),
  challenge: null,
  errorCode: 'ERR_REVOCATION_STATE_UNAVAILABLE',
};

describe('staleness with the broker stopped', () => {
  it('billing answers 503 + Retry-After within the bound, so a token revoked meanwhile is refused, and recovers by itself; orders keeps serving and reports stale', async () => {
    const kept = await token();
    const revoked = await token();
    expect((await invoices(revoked)).status).toBe(200);
    expect((await ordersList(kept)).status).toBe(200);

    await broker.stop();
    const stoppedAt = Date.now();
    expect(await revokeToken(auth.url, CLIENTS.demo, revoked)).toBe(200);

    // Stale within the bound at the latest. Whether the reader also notices the broker is gone (a consumer kafkajs
    // gives up on: not caught up, Retry-After 1) depends on the outage's timing; the refusal does not.
    const refused = await billingAnswers(503, revoked, 'billing to refuse the token revoked during the outage');
    const staleAfterMs = Date.now() - stoppedAt;
    expect(staleAfterMs).toBeLessThanOrEqual((MAX_STALENESS_SECONDS + BOUND_SLACK_SECONDS) * 1000);
    expect(refused).toMatchObject({ challenge: null, errorCode: 'ERR_REVOCATION_STATE_UNAVAILABLE' });
    expect(['1', String(HEARTBEAT_INTERVAL_SECONDS)]).toContain(refused.retryAfter);
    expect((await invoices(kept)).status).toBe(503);
    const billingHealth = await waitFor(
      'billing to report stale',
      async () => {
        const current = await health(billing);
        return current.body.staleness.stale ? current : undefined;
      },
      RECOVERY,
    );
    expect(billingHealth).toMatchObject({ status: 503, body: { ready: false } });
    expect(billingHealth.body.staleness.ageSeconds).toBeGreaterThan(MAX_STALENESS_SECONDS);

    const ordersHealth = await health(orders);
    expect(ordersHealth).toMatchObject({
      status: 503,
      body: { ready: false, staleness: { stale: true, maxStalenessSeconds: MAX_STALENESS_SECONDS } },
    });
    expect((await ordersList(kept)).status).toBe(200);

    broker = await startBroker(brokerOptions);
    const backAt = Date.now();
    await billingAnswers(200, kept, 'billing to be fresh again once the broker is back');
    console.log(
      `broker stopped → billing 503: ${staleAfterMs} ms; broker back → billing 200: ${Date.now() - backAt} ms`,
    );
    // Fresh means a heartbeat sent after the outbox drained was applied: the revocation is applied too.
    expect(await invoices(revoked)).toMatchObject({ status: 401, errorCode: 'ERR_TOKEN_REVOKED' });
    await waitFor(
      'orders to be ready again',
      async () => ((await health(orders)).status === 200 ? true : undefined),
      RECOVERY,
    );
    expect((await health(orders)).body.staleness).toMatchObject({ stale: false });
    expect(await ordersList(revoked)).toMatchObject({ status: 401, errorCode: 'ERR_TOKEN_REVOKED' });
  });
});

describe('staleness of one service cut off from the broker', () => {
  it('billing alone turns stale and refuses (503) while orders stays fresh and refuses the revoked token; billing recovers once reconnected', async () => {
    const kept = await token();
    const revoked = await token();
    await billingAnswers(200, kept, 'billing to be fresh before the cut');

    proxy.cut();
    const cutAt = Date.now();
    expect(await revokeToken(auth.url, CLIENTS.demo, revoked)).toBe(200);
    await waitFor('orders to refuse the revoked token', async () =>
      (await ordersList(revoked)).status === 401 ? true : undefined,
    );

    expect(await billingAnswers(503, revoked, 'billing to turn stale behind the cut')).toEqual(STALE_503);
    const staleAfterMs = Date.now() - cutAt;
    expect(staleAfterMs).toBeLessThanOrEqual((MAX_STALENESS_SECONDS + BOUND_SLACK_SECONDS) * 1000);
    // Nothing failed on billing's side (a silent link): only the missing heartbeats tell.
    expect(await health(billing)).toMatchObject({
      status: 503,
      body: { revocations: { caughtUp: true }, staleness: { stale: true } },
    });
    expect(await health(orders)).toMatchObject({ status: 200, body: { ready: true, staleness: { stale: false } } });
    expect((await ordersList(kept)).status).toBe(200);

    proxy.restore();
    const restoredAt = Date.now();
    await billingAnswers(200, kept, 'billing to be fresh again once reconnected');
    console.log(`billing cut off → 503: ${staleAfterMs} ms; reconnected → 200: ${Date.now() - restoredAt} ms`);
    expect(await invoices(revoked)).toMatchObject({ status: 401, errorCode: 'ERR_TOKEN_REVOKED' });
  });
});

/** The heartbeats on the revocations topic, read from the beginning until `enough` holds. */
async function readHeartbeats(enough: (beats: readonly Beat[]) => boolean): Promise<Beat[]> {
  const beats: Beat[] = [];
  const reader = new TopicReader(new KafkaConnection({ brokers: [broker.brokers], clientId: 'staleness-spec' }), {
    topic: kafka.revocationsTopic,
    groupIdPrefix: 'staleness-spec',
    onRecord: async ({ key, value }) => {
      const claims = JSON.parse(Buffer.from(String(value).split('.')[1], 'base64url').toString()) as {
        events: Record<string, { instance: string; sequence: number; sent_at: number } | undefined>;
      };
      const beat = claims.events['urn:auth-layer:secevent:heartbeat'];
      if (beat !== undefined)
        beats.push({ key, instance: beat.instance, sequence: beat.sequence, sentAt: beat.sent_at });
    },
  });
  await reader.start();
  try {
    await waitFor('enough heartbeats', () => (enough(beats) ? true : undefined), { timeoutMs: 30_000 });
  } finally {
    await reader.stop();
  }
  return beats;
}

interface Beat {
  key: string | null;
  instance: string;
  sequence: number;
  sentAt: number;
}

describe('heartbeats on the topic', () => {
  it('travel on the revocations topic (hourly segments) under one record key, one per interval', async () => {
    const [revocations] = await describeTopics(
      new KafkaConnection({ brokers: [broker.brokers], clientId: 'staleness-spec' }),
      [kafka.revocationsTopic],
    );
    expect(revocations.configs).toMatchObject({ 'cleanup.policy': 'compact,delete', 'segment.ms': '3600000' });

    const from = Math.floor(Date.now() / 1000);
    const beats = await readHeartbeats((all) => all.some((beat) => beat.sentAt >= from + 6));
    expect(new Set(beats.map((beat) => beat.key))).toEqual(new Set(['heartbeat']));
    const recent = beats.filter((beat) => beat.sentAt >= from && beat.sentAt < from + 6);
    // One every 2 s, give or take the second boundaries and a loaded machine.
    expect(recent.length).toBeGreaterThanOrEqual(2);
    expect(recent.length).toBeLessThanOrEqual(4);
    const sequences = beats.map((beat) => beat.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
  });

  // Two instances share a database only on Postgres (the embedded PGlite is per process).
  (process.env.DATABASE_URL === undefined ? it.skip : it)(
    'come from the relay lock holder only, while another instance stands by',
    async () => {
      const standby = await startAuthService(kafka, {
        AUTH_DATABASE_SCHEMA: auth.config.database.schema,
        AUTH_HEARTBEAT_INTERVAL_SECONDS: String(HEARTBEAT_INTERVAL_SECONDS),
      });
      extra.push(standby);
      const from = Math.floor(Date.now() / 1000) + 1;
      const beats = await readHeartbeats((all) => all.filter((beat) => beat.sentAt >= from).length >= 3);
      expect(new Set(beats.map((beat) => beat.instance)).size).toBe(1);
    },
  );
});
