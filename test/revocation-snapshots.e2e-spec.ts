import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPair } from 'jose';
import type { ResourceServerStatus } from '@app/auth';
import { encodeRevocationSnapshot, SNAPSHOT_MANIFEST_RECORD_KEY, snapshotChunkRecordKey } from '@app/events';
import { EventProducer, fetchTopicEndOffsets, KafkaConnection } from '@app/events/kafka';
import {
  RevocationSnapshotPublisher,
  type PublishedSnapshot,
} from '../apps/auth-service/src/outbox/revocation-snapshot.publisher.js';
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
const connection = new KafkaConnection({ brokers: process.env.KAFKA_BROKERS!.split(','), clientId: 'snapshots-e2e' });
const producer = new EventProducer(connection);

const SCOPES = 'orders:read billing:read';
const revoked: string[] = [];
let published: PublishedSnapshot;

beforeAll(async () => {
  kafka = uniqueKafkaSetup(process.env.KAFKA_BROKERS!);
  auth = await startAuthService(kafka);
  await producer.connect();
  for (let i = 0; i < 3; i += 1) {
    const token = await clientCredentialsToken(auth.url, CLIENTS.demo, SCOPES);
    expect(await revokeToken(auth.url, CLIENTS.demo, token)).toBe(200);
    revoked.push(token);
  }
  // The relay snapshots only once the outbox is drained: the three revocation events are below the covered offsets.
  published = await auth.app.get(RevocationSnapshotPublisher).requestNow();
});

afterAll(async () => {
  await Promise.all(started.map((service) => service.close()));
  await producer.disconnect();
  await auth?.close();
});

async function readyStatus(service: RunningService): Promise<ResourceServerStatus> {
  return waitFor(`${service.url} readiness`, async () => {
    const response = await fetch(`${service.url}/health`);
    return response.status === 200 ? ((await response.json()) as ResourceServerStatus) : undefined;
  });
}

async function expectRefused(service: RunningService, path: string, tokens: readonly string[]): Promise<void> {
  for (const token of tokens) {
    expect(await callWithToken(`${service.url}${path}`, token)).toMatchObject({
      status: 401,
      body: { errorCode: 'ERR_TOKEN_REVOKED' },
    });
  }
}

describe('a resource server starting from a signed revocation snapshot', () => {
  it('applies the snapshot, reads the topic only after it, refuses every revoked token and accepts the others', async () => {
    expect(published.entries).toBeGreaterThanOrEqual(3);
    const revocationsEnd = await fetchTopicEndOffsets(connection, kafka.revocationsTopic);
    expect(BigInt(published.offsets[0])).toBeGreaterThanOrEqual(3n);
    expect(BigInt(published.offsets[0])).toBeLessThanOrEqual(BigInt(revocationsEnd[0]));

    // Revoked after the snapshot: only the revocations topic has it.
    const later = await clientCredentialsToken(auth.url, CLIENTS.demo, SCOPES);
    expect(await revokeToken(auth.url, CLIENTS.demo, later)).toBe(200);
    const valid = await clientCredentialsToken(auth.url, CLIENTS.demo, SCOPES);

    const orders = await startOrdersService({ issuer: auth.config.issuer, kafka });
    const billing = await startBillingService({ issuer: auth.config.issuer, kafka });
    started.push(orders, billing);

    for (const [service, path] of [
      [orders, '/orders'],
      [billing, '/invoices'],
    ] as const) {
      const status = await readyStatus(service);
      expect(status.revocations.snapshot).toMatchObject({
        used: true,
        snapshotId: published.snapshotId,
        entries: published.entries,
        chunks: published.chunks,
      });
      expect(status.revocations.dropped).toBe(0);
      // From the snapshot's end on: a heartbeat, the later revocation, and heartbeats since; not the three before.
      await waitFor('the later revocation to be applied', async () =>
        (await callWithToken(`${service.url}${path}`, later)).status === 401 ? true : undefined,
      );
      await expectRefused(service, path, [...revoked, later]);
      // Read from the covered offsets on: at most the records since then were applied, never the ones before.
      const { revocations } = (await (await fetch(`${service.url}/health`)).json()) as ResourceServerStatus;
      const endNow = BigInt((await fetchTopicEndOffsets(connection, kafka.revocationsTopic))[0]);
      expect(BigInt(revocations.applied)).toBeLessThanOrEqual(endNow - BigInt(published.offsets[0]));
      expect(await callWithToken(`${service.url}${path}`, valid)).toMatchObject({ status: 200 });
    }
  });

  it('refuses a snapshot signed by a key it does not trust and reads the whole topic instead', async () => {
    // A forged snapshot claiming the topic's end and revoking nothing: trusted, it would hide every revocation.
    const forger = await generateKeyPair('ES256');
    const end = await fetchTopicEndOffsets(connection, kafka.revocationsTopic);
    const forged = await encodeRevocationSnapshot(
      {
        id: 'forged',
        topic: kafka.revocationsTopic,
        slot: 0,
        offsets: end,
        revocations: [{ target: { type: 'jti', value: 'nothing-here' }, revokedAt: 1, expiresAt: 4_000_000_000 }],
      },
      {
        issuer: auth.config.issuer,
        audience: ['orders-service', 'billing-service'],
        signer: { kid: 'forged-key', alg: 'ES256', privateKey: forger.privateKey },
      },
    );
    await producer.send(
      kafka.revocationSnapshotsTopic,
      forged.chunks.map((value, index) => ({ key: snapshotChunkRecordKey(0, index), value })),
    );
    await producer.send(kafka.revocationSnapshotsTopic, [
      { key: SNAPSHOT_MANIFEST_RECORD_KEY, value: forged.manifest },
    ]);

    const orders = await startOrdersService({ issuer: auth.config.issuer, kafka });
    started.push(orders);
    const status = await readyStatus(orders);

    expect(status.revocations.snapshot).toMatchObject({ used: false, reason: expect.stringMatching(/^refused: /) });
    expect(status.revocations.applied).toBeGreaterThanOrEqual(revoked.length);
    await expectRefused(orders, '/orders', revoked);
  });
});
