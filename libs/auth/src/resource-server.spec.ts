import { describe, expect, it } from '@jest/globals';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import {
  encodeRevocationEvent,
  type EventRecord,
  type EventSource,
  type EventSubscription,
  type EventSubscriptionOptions,
  type Revocation,
} from '@app/events';
import { ResourceServer } from './resource-server.js';

const ISSUER = 'https://auth.example.test';
const NOW_S = 1_800_000_000;

/**
 * An event source over records held in memory, for the composition root alone (the Kafka adapter has its own e2e
 * specs): every subscription gets the records present when it starts, then each one appended.
 */
class RecordedTopics implements EventSource {
  private readonly topics = new Map<string, EventRecord[]>();
  private readonly subscribers = new Map<string, EventSubscriptionOptions[]>();

  async append(topic: string, value: string): Promise<void> {
    const records = this.topics.get(topic) ?? [];
    const record: EventRecord = { topic, partition: 0, offset: String(records.length), key: null, value };
    records.push(record);
    this.topics.set(topic, records);
    for (const subscriber of this.subscribers.get(topic) ?? []) await subscriber.onRecord(record);
  }

  subscribe(options: EventSubscriptionOptions): EventSubscription {
    const topics = this.topics;
    const subscribers = this.subscribers;
    let caughtUp = false;
    return {
      get caughtUp() {
        return caughtUp;
      },
      get running() {
        return true;
      },
      async start() {
        for (const record of topics.get(options.topic) ?? []) await options.onRecord(record);
        subscribers.set(options.topic, [...(subscribers.get(options.topic) ?? []), options]);
        caughtUp = true;
      },
      async whenCaughtUp() {},
      async stop() {},
    };
  }
}

async function stackAt(clock: { now: number }, maxRevocationEntries: number) {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  const topics = new RecordedTopics();
  const server = new ResourceServer(
    {
      issuer: ISSUER,
      audience: 'orders-service',
      loadKeys: async () => [{ ...jwk, kid, alg: 'ES256' }],
      revocationFailurePolicy: 'open',
      maxRevocationEntries,
      clock: () => clock.now,
    },
    topics,
  );
  const signer = { kid, alg: 'ES256', privateKey };
  const revoke = async (revocation: Revocation) =>
    topics.append(
      'auth.revocations.v1',
      await encodeRevocationEvent(revocation, {
        issuer: ISSUER,
        audience: 'orders-service',
        signer,
        now: () => clock.now,
      }),
    );
  const token = async (jti: string) =>
    `Bearer ${await new SignJWT({ sub: 'alice', client_id: 'demo-app', jti, scope: 'orders:read' })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience('orders-service')
      .setIssuedAt(Math.floor(clock.now / 1000))
      .setExpirationTime(Math.floor(clock.now / 1000) + 300)
      .sign(privateKey)}`;
  server.start();
  await waitUntil(() => server.ready);
  return { server, revoke, token };
}

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let turns = 0; !condition(); turns += 1) {
    if (turns > 1_000) throw new Error('condition not met');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('ResourceServer', () => {
  it('applies revocation events to what authenticate answers', async () => {
    const clock = { now: NOW_S * 1000 };
    const { server, revoke, token } = await stackAt(clock, 10);
    const bearer = await token('jti-1');
    await expect(server.authenticate(bearer, ['orders:read'])).resolves.toMatchObject({ claims: { jti: 'jti-1' } });
    await revoke({ target: { type: 'jti', value: 'jti-1' }, revokedAt: NOW_S, expiresAt: NOW_S + 300 });
    await expect(server.authenticate(bearer, [])).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    await server.stop();
  });

  it('refuses every token past its revocation cap, even fail-open, keeps every entry, and recovers once pruned', async () => {
    const clock = { now: NOW_S * 1000 };
    const { server, revoke, token } = await stackAt(clock, 3);
    for (let i = 0; i < 4; i += 1) {
      await revoke({ target: { type: 'jti', value: `other-${i}` }, revokedAt: NOW_S, expiresAt: NOW_S + 60 });
    }
    const status = server.status();
    expect(status.revocations).toMatchObject({ entries: 4, maxEntries: 3, overCapacity: true });
    expect(status.ready).toBe(false);
    await expect(server.authenticate(await token('fresh'), [])).rejects.toMatchObject({
      code: 'ERR_REVOCATION_CAPACITY_EXCEEDED',
    });
    clock.now = (NOW_S + 200) * 1000;
    await server.pruneRevocations();
    expect(server.status().revocations).toMatchObject({ entries: 0, overCapacity: false });
    await expect(server.authenticate(await token('fresh'), [])).resolves.toBeDefined();
    await server.stop();
  });
});
