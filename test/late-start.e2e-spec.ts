import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ResourceServerStatus } from '@app/auth';
import { GatedProxy } from './support/gated-proxy.js';
import { callWithToken, clientCredentialsToken, CLIENTS, revokeToken } from './support/oauth-client.js';
import {
  startAuthService,
  startBillingService,
  startOrdersService,
  uniqueKafkaSetup,
  type KafkaSetup,
  type RunningService,
} from './support/services.js';
import { waitFor } from './support/wait-for.js';

let kafka: KafkaSetup;
let auth: RunningService & { config: { issuer: string } };
const started: RunningService[] = [];
let gate: GatedProxy;

beforeAll(async () => {
  kafka = uniqueKafkaSetup(process.env.KAFKA_BROKERS!);
  auth = await startAuthService(kafka);
  gate = new GatedProxy(`${auth.url}/.well-known/jwks.json`);
});

afterAll(async () => {
  await Promise.all(started.map((service) => service.close()));
  await gate?.stop();
  await auth?.close();
});

async function health(service: RunningService): Promise<{ status: number; body: ResourceServerStatus }> {
  const response = await fetch(`${service.url}/health`);
  return { status: response.status, body: (await response.json()) as ResourceServerStatus };
}

describe('a service started after the revocation', () => {
  it('rebuilds its index from the topic, and is not ready before it has caught up', async () => {
    const witness = await startOrdersService({ issuer: auth.config.issuer, kafka });
    started.push(witness);
    await waitFor('witness readiness', async () => ((await health(witness)).status === 200 ? true : undefined));

    const revoked = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read billing:read');
    expect(await revokeToken(auth.url, CLIENTS.demo, revoked)).toBe(200);
    await waitFor('the revocation to be on the topic (seen by a running service)', async () =>
      (await callWithToken(`${witness.url}/orders`, revoked)).status === 401 ? true : undefined,
    );

    const jwksUri = await gate.start();
    const lateOrders = await startOrdersService({ issuer: auth.config.issuer, kafka, jwksUri });
    const lateBilling = await startBillingService({ issuer: auth.config.issuer, kafka, jwksUri });
    started.push(lateOrders, lateBilling);
    const fresh = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read billing:read');

    // Keys held back: the revocation event cannot be verified yet, so neither service may be ready.
    for (const service of [lateOrders, lateBilling]) {
      const before = await health(service);
      expect(before.status).toBe(503);
      expect(before.body.revocations.caughtUp).toBe(false);
    }
    const failClosed = await callWithToken(`${lateBilling.url}/invoices`, fresh);
    expect(failClosed).toMatchObject({ status: 503, body: { errorCode: 'ERR_REVOCATION_STATE_UNAVAILABLE' } });

    gate.open();
    for (const service of [lateOrders, lateBilling]) {
      const ready = await waitFor('late service readiness', async () => {
        const current = await health(service);
        return current.status === 200 ? current : undefined;
      });
      expect(ready.body).toMatchObject({ ready: true, revocations: { caughtUp: true, dropped: 0 } });
      expect(ready.body.revocations.applied).toBeGreaterThanOrEqual(1);
    }

    expect(await callWithToken(`${lateOrders.url}/orders`, revoked)).toMatchObject({
      status: 401,
      body: { errorCode: 'ERR_TOKEN_REVOKED' },
    });
    expect(await callWithToken(`${lateBilling.url}/invoices`, revoked)).toMatchObject({
      status: 401,
      body: { errorCode: 'ERR_TOKEN_REVOKED' },
    });
    expect((await callWithToken(`${lateOrders.url}/orders`, fresh)).status).toBe(200);
    expect((await callWithToken(`${lateBilling.url}/invoices`, fresh)).status).toBe(200);
  });
});
