import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { CompactSign, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import type { ResourceServerStatus } from '@app/auth';
import {
  encodeKeyEvent,
  encodeRevocationEvent,
  revocationRecordKey,
  type EventSigner,
  type Revocation,
} from '@app/events';
import { EventProducer, KafkaConnection } from '@app/events/kafka';
import { KeyRotationRefusedError } from '../apps/auth-service/src/keys/key-lifecycle.errors.js';
import { KeyLifecycle } from '../apps/auth-service/src/keys/key-lifecycle.service.js';
import { SigningKeyStore } from '../apps/auth-service/src/keys/signing-key.store.js';
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

/**
 * Signing keys rotating and being revoked under real traffic, over the real broker and database: resource servers
 * learn every key from its key event (the JWKS they are given counts requests: it is read at start only), tokens of
 * every published key keep working, a revoked key's tokens are refused everywhere within milliseconds, and forged key
 * or revocation events change nothing and hold no genuine event back.
 */
const PUBLISH_AHEAD_SECONDS = 1;
const SCOPE = 'orders:read billing:read';

let kafka: KafkaSetup;
let auth: RunningService & { config: { issuer: string } };
let orders: RunningService;
let billing: RunningService;
let jwks: GatedProxy;
const late: RunningService[] = [];

const kidOf = (token: string): string => decodeProtectedHeader(token).kid!;
const ordersUrl = (): string => `${orders.url}/orders`;
const billingUrl = (): string => `${billing.url}/invoices`;

async function status(service: RunningService): Promise<ResourceServerStatus> {
  return (await (await fetch(`${service.url}/health`)).json()) as ResourceServerStatus;
}

async function ready(service: RunningService): Promise<void> {
  await waitFor(`${service.url} readiness`, async () => ((await fetch(`${service.url}/health`)).ok ? true : undefined));
}

/** On-demand rotation as an operator does it: refused until the next key has been published long enough. */
async function rotate(alg?: 'ES256' | 'EdDSA' | 'RS256'): Promise<string> {
  const lifecycle = auth.app.get(KeyLifecycle);
  const { current } = await waitFor(
    'the next key to have been published long enough',
    async () => {
      try {
        return await lifecycle.rotate('e2e-operator', alg);
      } catch (error) {
        if (error instanceof KeyRotationRefusedError) return undefined;
        throw error;
      }
    },
    { timeoutMs: 10_000, intervalMs: 50 },
  );
  return current;
}

/** A token signed with the key the auth service signs with now (its store follows the rotation at once). */
async function tokenSignedBy(kid: string): Promise<string> {
  return waitFor(`a token signed by ${kid}`, async () => {
    const token = await clientCredentialsToken(auth.url, CLIENTS.demo, SCOPE);
    return kidOf(token) === kid ? token : undefined;
  });
}

beforeAll(async () => {
  kafka = uniqueKafkaSetup(process.env.KAFKA_BROKERS!);
  auth = await startAuthService(kafka, { AUTH_KEY_PUBLISH_AHEAD_SECONDS: String(PUBLISH_AHEAD_SECONDS) });
  jwks = new GatedProxy(`${auth.url}/.well-known/jwks.json`);
  const jwksUri = await jwks.start();
  jwks.open();
  orders = await startOrdersService({ issuer: auth.config.issuer, kafka, jwksUri });
  billing = await startBillingService({ issuer: auth.config.issuer, kafka, jwksUri });
  await Promise.all([ready(orders), ready(billing)]);
});

afterAll(async () => {
  await Promise.all([orders, billing, ...late].map((service) => service?.close()));
  await auth?.close();
  await jwks?.stop();
});

describe('key rotation under traffic', () => {
  const tokensByKid = new Map<string, string>();

  it('rotates three times with continuous traffic through both services and not one spurious 401', async () => {
    const jwksReadsAtStart = jwks.requests;
    const answers = { ok: 0, refused: [] as string[] };
    let rotating = true;
    const traffic = (async () => {
      const recent: string[] = [];
      while (rotating) {
        const token = await clientCredentialsToken(auth.url, CLIENTS.demo, SCOPE);
        tokensByKid.set(kidOf(token), token);
        recent.push(token);
        if (recent.length > 20) recent.shift();
        for (const used of [token, recent[0]!]) {
          for (const url of [ordersUrl(), billingUrl()]) {
            const answer = await callWithToken(url, used);
            if (answer.status === 200) answers.ok += 1;
            else answers.refused.push(`${url} ${answer.status} ${String(answer.body.errorCode)} kid ${kidOf(used)}`);
          }
        }
      }
    })();
    const kids = [kidOf(await clientCredentialsToken(auth.url, CLIENTS.demo, SCOPE))];
    for (let rotation = 0; rotation < 3; rotation += 1) {
      kids.push(await rotate());
      await waitFor('traffic signed by the new key', () => (tokensByKid.has(kids.at(-1)!) ? true : undefined));
    }
    rotating = false;
    await traffic;
    console.log(`rotation under traffic: ${answers.ok} answers 200, ${answers.refused.length} refused`);
    expect(answers.refused).toEqual([]);
    // Traffic ran through every rotation (each waited for a token of its new key), however fast the machine.
    expect(answers.ok).toBeGreaterThan(4 * 4);
    expect(new Set(kids).size).toBe(4);
    expect([...tokensByKid.keys()]).toEqual(expect.arrayContaining(kids));
    expect(jwks.requests).toBe(jwksReadsAtStart);
  });

  it('lets a service started after the rotations accept new tokens and every unexpired older one', async () => {
    const lateOrders = await startOrdersService({ issuer: auth.config.issuer, kafka });
    late.push(lateOrders);
    await ready(lateOrders);
    const fresh = await clientCredentialsToken(auth.url, CLIENTS.demo, SCOPE);
    expect(tokensByKid.size).toBeGreaterThanOrEqual(4);
    for (const token of [fresh, ...tokensByKid.values()]) {
      expect((await callWithToken(`${lateOrders.url}/orders`, token)).status).toBe(200);
    }
  });
});

describe('algorithms per key', () => {
  it('rotates to EdDSA and to RS256 keys, and both services accept tokens signed with each', async () => {
    for (const alg of ['EdDSA', 'RS256', 'ES256'] as const) {
      await rotate(alg);
      const kid = await rotate();
      const token = await tokenSignedBy(kid);
      expect(decodeProtectedHeader(token).alg).toBe(alg);
      for (const url of [ordersUrl(), billingUrl()]) {
        await waitFor(`${url} to accept an ${alg} token`, async () =>
          (await callWithToken(url, token)).status === 200 ? true : undefined,
        );
      }
    }
  });
});

describe('key revocation', () => {
  const ROUNDS = 10;

  /** Milliseconds from `since` until `url` first refuses `token` as revoked (polled every millisecond, bounded). */
  async function msUntilRefused(url: string, token: string, since: number): Promise<number> {
    return waitFor(
      `${url} to refuse a token of the revoked key`,
      async () => {
        const answer = await callWithToken(url, token);
        if (answer.status === 200) return undefined;
        expect(answer).toMatchObject({ status: 401, body: { errorCode: 'ERR_TOKEN_REVOKED' } });
        return performance.now() - since;
      },
      { timeoutMs: 5_000, intervalMs: 1 },
    );
  }

  it(`refuses every token of a revoked key at both services within milliseconds (${ROUNDS} keys revoked)`, async () => {
    const store = auth.app.get(SigningKeyStore);
    const latencies = { orders: [] as number[], billing: [] as number[] };
    for (let round = 0; round < ROUNDS; round += 1) {
      await store.reload();
      const kid = store.jwks().keys[0]!.kid!;
      const token = await tokenSignedBy(kid);
      for (const url of [ordersUrl(), billingUrl()]) {
        await waitFor('a token of the current key to be accepted', async () =>
          (await callWithToken(url, token)).status === 200 ? true : undefined,
        );
      }
      await auth.app.get(KeyLifecycle).revoke('e2e-operator', kid, 'e2e: compromised');
      const revokedAt = performance.now();
      const [atOrders, atBilling] = await Promise.all([
        msUntilRefused(ordersUrl(), token, revokedAt),
        msUntilRefused(billingUrl(), token, revokedAt),
      ]);
      latencies.orders.push(atOrders);
      latencies.billing.push(atBilling);
      await waitFor('the revoked key to leave the JWKS', async () => {
        const published = await (await fetch(`${auth.url}/.well-known/jwks.json`)).json();
        return (published as { keys: { kid: string }[] }).keys.some((key) => key.kid === kid) ? undefined : true;
      });
    }
    const summary = (values: number[]) => ({
      n: values.length,
      p50Ms: +[...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!.toFixed(1),
      maxMs: +Math.max(...values).toFixed(1),
    });
    console.log(
      `key revoked → first 401 per service: ${JSON.stringify({ orders: summary(latencies.orders), billing: summary(latencies.billing) })}`,
    );
    expect(Math.max(...latencies.orders, ...latencies.billing)).toBeLessThan(1_000);
  });
});

describe('forged events', () => {
  let connection: KafkaConnection;
  let producer: EventProducer;

  beforeAll(async () => {
    connection = new KafkaConnection({ brokers: kafka.brokers.split(','), clientId: 'e2e-forger' });
    producer = new EventProducer(connection);
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
  });

  /** Twenty events a writer without the auth service's keys could put on the topics. */
  async function forgeries(victimToken: string): Promise<{ topic: string; key: string; value: string }[]> {
    const attacker = await generateKeyPair('ES256', { extractable: true });
    const attackerJwk = await exportJWK(attacker.publicKey);
    const real = auth.app.get(SigningKeyStore).signingKey();
    const victimJti = JSON.parse(Buffer.from(victimToken.split('.')[1]!, 'base64url').toString()).jti as string;
    const now = Math.floor(Date.now() / 1000);
    const revocation: Revocation = { target: { type: 'jti', value: victimJti }, revokedAt: now, expiresAt: now + 300 };
    const audience = ['orders-service', 'billing-service', 'auth-service'];
    const unknownKid = (): EventSigner => ({
      kid: `forged-${randomUUID()}`,
      alg: 'ES256',
      privateKey: attacker.privateKey,
    });
    const unsigned = (claims: object): string =>
      `${Buffer.from(JSON.stringify({ alg: 'none', kid: real.kid, typ: 'secevent+jwt' })).toString('base64url')}.` +
      `${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    const records: { topic: string; key: string; value: string }[] = [];
    for (let i = 0; i < 4; i += 1) {
      const signer = unknownKid();
      records.push(
        {
          topic: kafka.revocationsTopic,
          key: revocationRecordKey(revocation.target),
          value: await encodeRevocationEvent(revocation, { issuer: auth.config.issuer, audience, signer }),
        },
        {
          topic: kafka.keysTopic,
          key: signer.kid,
          value: await encodeKeyEvent(
            { kid: signer.kid, alg: 'ES256', state: 'current', jwk: attackerJwk, at: now },
            { issuer: auth.config.issuer, audience, signer },
          ),
        },
        {
          topic: kafka.revocationsTopic,
          key: revocationRecordKey(revocation.target),
          value: await encodeRevocationEvent(revocation, { issuer: 'https://evil.example', audience, signer: real }),
        },
        {
          topic: kafka.keysTopic,
          key: real.kid,
          value: await new CompactSign(new TextEncoder().encode('{"events":{}}'))
            .setProtectedHeader({ alg: 'ES256', kid: signer.kid, typ: 'secevent+jwt' })
            .sign(attacker.privateKey),
        },
        {
          topic: kafka.revocationsTopic,
          key: revocationRecordKey(revocation.target),
          value: unsigned({ iss: auth.config.issuer, aud: audience, iat: now, jti: randomUUID(), events: {} }),
        },
      );
    }
    return records;
  }

  it('drops and counts twenty forged key and revocation events, and enforces the genuine one after them within 1 s', async () => {
    const victim = await clientCredentialsToken(auth.url, CLIENTS.demo, SCOPE);
    const genuine = await clientCredentialsToken(auth.url, CLIENTS.demo, SCOPE);
    for (const token of [victim, genuine]) {
      expect((await callWithToken(ordersUrl(), token)).status).toBe(200);
      expect((await callWithToken(billingUrl(), token)).status).toBe(200);
    }
    const before = await Promise.all([status(orders), status(billing)]);
    const forged = await forgeries(victim);
    expect(forged).toHaveLength(20);
    for (const record of forged) await producer.send(record.topic, [{ key: record.key, value: record.value }]);

    expect(await revokeToken(auth.url, CLIENTS.demo, genuine)).toBe(200);
    const revokedAt = performance.now();
    for (const url of [ordersUrl(), billingUrl()]) {
      await waitFor(
        `${url} to enforce the genuine revocation`,
        async () => ((await callWithToken(url, genuine)).status === 401 ? true : undefined),
        { timeoutMs: 1_000, intervalMs: 5 },
      );
    }
    console.log(`genuine revocation after 20 forgeries enforced in ${(performance.now() - revokedAt).toFixed(1)} ms`);

    for (const [index, service] of [orders, billing].entries()) {
      const after = await status(service);
      const dropped = (s: ResourceServerStatus) => s.revocations.dropped + s.keyEvents.dropped;
      expect(dropped(after) - dropped(before[index]!)).toBe(20);
      expect(after.keys.count).toBe(before[index]!.keys.count);
    }
    expect((await callWithToken(ordersUrl(), victim)).status).toBe(200);
    expect((await callWithToken(billingUrl(), victim)).status).toBe(200);
  });
});

describe('two auth-service instances on one database', () => {
  const postgres = process.env.DATABASE_URL;
  const onPostgres = postgres === undefined ? describe.skip : describe;

  onPostgres('(Postgres)', () => {
    let first: RunningService & { config: { issuer: string } };
    let second: RunningService & { config: { issuer: string } };

    beforeAll(async () => {
      const shared = { AUTH_DATABASE_SCHEMA: `e2e_pair_${randomUUID().replaceAll('-', '').slice(0, 10)}` };
      const pairKafka = uniqueKafkaSetup(process.env.KAFKA_BROKERS!);
      first = await startAuthService(pairKafka, { ...shared, AUTH_KEY_PUBLISH_AHEAD_SECONDS: '1' });
      second = await startAuthService(pairKafka, {
        ...shared,
        AUTH_KEY_PUBLISH_AHEAD_SECONDS: '1',
        AUTH_ISSUER: first.config.issuer,
      });
    });

    afterAll(async () => {
      await second?.close();
      await first?.close();
    });

    const jwksOf = async (service: RunningService) =>
      ((await (await fetch(`${service.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys;

    it('rotates exactly once when both are asked at once; both then sign with the new key and serve the same JWKS', async () => {
      expect(await jwksOf(second)).toEqual(await jwksOf(first));
      const outcomes = await waitFor(
        'the next key to have been published long enough',
        async () => {
          const settled = await Promise.allSettled([
            first.app.get(KeyLifecycle).rotate('e2e-operator'),
            second.app.get(KeyLifecycle).rotate('e2e-operator'),
          ]);
          const refusedForAge = settled.every(
            (outcome) => outcome.status === 'rejected' && outcome.reason instanceof KeyRotationRefusedError,
          );
          return refusedForAge ? undefined : settled;
        },
        { timeoutMs: 10_000, intervalMs: 100 },
      );
      const rotated = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      expect(rotated).toHaveLength(1);
      expect(outcomes.find((outcome) => outcome.status === 'rejected')).toMatchObject({
        reason: expect.any(KeyRotationRefusedError),
      });
      const { current } = (rotated[0] as PromiseFulfilledResult<{ current: string }>).value;
      for (const instance of [first, second]) {
        await waitFor(`${instance.url} to sign with the new key`, async () =>
          kidOf(await clientCredentialsToken(instance.url, CLIENTS.demo, SCOPE)) === current ? true : undefined,
        );
      }
      expect(await jwksOf(second)).toEqual(await jwksOf(first));
      expect((await jwksOf(first))[0]!.kid).toBe(current);
    });
  });
});
