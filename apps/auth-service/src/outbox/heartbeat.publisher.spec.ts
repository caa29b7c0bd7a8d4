import { describe, expect, it } from '@jest/globals';
import { generateKeyPair } from 'jose';
import { parseHeartbeatEvent, TOPIC_EVENT_TYPES, verifySecurityEvent, type VerifiedHeartbeat } from '@app/events';
import type { EventProducer, OutgoingEventRecord } from '@app/events/kafka';
import { loadAuthServiceConfig } from '../config/auth-service.config.js';
import type { SigningKeyStore } from '../keys/signing-key.store.js';
import type { ResourceServerRegistry } from '../tokens/resource-server.registry.js';
import { HeartbeatPublisher } from './heartbeat.publisher.js';

const T0 = 1_790_000_000_000;
const { privateKey, publicKey } = await generateKeyPair('ES256');
const config = loadAuthServiceConfig({
  NODE_ENV: 'test',
  AUTH_ISSUER: 'https://auth.example.test',
  AUTH_REVOCATIONS_TOPIC: 'revocations',
  AUTH_HEARTBEAT_INTERVAL_SECONDS: '5',
});

/** A publisher over fixed keys and resource servers, and a producer that records what it is asked to send. */
function publisher() {
  const keys = { signingKey: () => ({ kid: 'k1', alg: 'ES256', privateKey }) } as unknown as SigningKeyStore;
  const registry = { eventAudiences: async () => ['auth-service', 'billing-service', 'orders-service'] };
  const sent: { topic: string; records: OutgoingEventRecord[] }[] = [];
  const producer = {
    send: async (topic: string, records: OutgoingEventRecord[]) => void sent.push({ topic, records }),
  } as unknown as EventProducer;
  return {
    heartbeats: new HeartbeatPublisher(keys, registry as unknown as ResourceServerRegistry, config),
    producer,
    sent,
  };
}

async function decode(value: string): Promise<VerifiedHeartbeat> {
  const event = await verifySecurityEvent(value, {
    issuer: 'https://auth.example.test',
    audience: 'billing-service',
    algorithms: ['ES256'],
    types: TOPIC_EVENT_TYPES.revocations,
    resolveKey: async () => publicKey,
  });
  return parseHeartbeatEvent(event);
}

describe('HeartbeatPublisher', () => {
  it('sends at once, then once per interval, stamped with the drain time, one key, counting up', async () => {
    const { heartbeats, producer, sent } = publisher();
    const steps = [0, 1_000, 4_999, 5_000, 7_000, 10_000, 60_000];
    for (const offset of steps) await heartbeats.sendIfDue(producer, T0 + offset);

    expect(sent.map(({ topic, records }) => [topic, records.map((r) => r.key)])).toEqual([
      ['revocations', ['heartbeat']],
      ['revocations', ['heartbeat']],
      ['revocations', ['heartbeat']],
      ['revocations', ['heartbeat']],
    ]);
    const beats = await Promise.all(sent.map(({ records }) => decode(records[0].value)));
    expect(
      beats.map(({ sequence, issuedAt, intervalSeconds }) => [sequence, issuedAt - T0 / 1000, intervalSeconds]),
    ).toEqual([
      [0, 0, 5],
      [1, 5, 5],
      [2, 10, 5],
      [3, 60, 5],
    ]);
    expect(new Set(beats.map((beat) => beat.instance)).size).toBe(1);
  });

  it.each([
    ['before the first heartbeat', [], 0, 0],
    ['right after one', [0], 0, 5_000],
    ['halfway', [0], 2_500, 2_500],
    ['overdue', [0], 9_000, 0],
  ])('is due %s', async (_name, sentAt, now, dueInMs) => {
    const { heartbeats, producer } = publisher();
    for (const offset of sentAt) await heartbeats.sendIfDue(producer, T0 + offset);
    expect(heartbeats.dueInMs(T0 + now)).toBe(dueInMs);
  });

  it('addresses every audience events go to, signed with the current key', async () => {
    const { heartbeats, producer, sent } = publisher();
    await heartbeats.sendIfDue(producer, T0);
    const [header, claims] = sent[0].records[0].value
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);
    expect(header).toEqual({ alg: 'ES256', kid: 'k1', typ: 'secevent+jwt' });
    expect(claims.aud).toEqual(['auth-service', 'billing-service', 'orders-service']);
  });

  it('retries on the next step when the producer fails, with the same sequence', async () => {
    const { heartbeats, producer, sent } = publisher();
    const failing = { send: async () => Promise.reject(new Error('broker gone')) } as unknown as EventProducer;
    await expect(heartbeats.sendIfDue(failing, T0)).rejects.toThrow('broker gone');
    expect(heartbeats.dueInMs(T0 + 1)).toBe(0);
    await heartbeats.sendIfDue(producer, T0 + 1);
    expect((await decode(sent[0].records[0].value)).sequence).toBe(0);
  });
});
