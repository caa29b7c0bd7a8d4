import { describe, expect, it } from '@jest/globals';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import {
  encodeRevocationEvent,
  EVENT_TYPES,
  silentEventLogger,
  type EventRecord,
  type EventSource,
  type EventSubscription,
  type EventSubscriptionOptions,
} from '@app/events';
import { KeyNotFoundError, KeyResolver, type VerificationKey } from '../keys/verification-key.js';
import { waitFor } from '../../../../test/support/wait-for.js';
import { EventFeed, type EventFeedOptions } from './event-feed.js';

const ISSUER = 'https://auth.example.test';
const TOPIC = 'auth.revocations.v1';

/** Trusted keys by kid; counts lookups, and a key can be revoked. */
class CountingKeys extends KeyResolver {
  lookups = 0;
  private readonly keys = new Map<string, VerificationKey>();

  trust(key: VerificationKey): void {
    this.keys.set(key.kid, key);
  }

  revoke(kid: string): void {
    this.keys.delete(kid);
  }

  override async resolve(header: { readonly kid: string; readonly alg: string }): Promise<VerificationKey> {
    this.lookups += 1;
    const key = this.keys.get(header.kid);
    if (key === undefined || key.alg !== header.alg) throw new KeyNotFoundError(header.kid, 'revoked');
    return key;
  }
}

/** The subscription options a feed hands to its source, so a spec can drive them. */
class CapturedSource implements EventSource {
  options: EventSubscriptionOptions | undefined;

  subscribe(options: EventSubscriptionOptions): EventSubscription {
    this.options = options;
    return { caughtUp: true, running: true, start: async () => {}, whenCaughtUp: async () => {}, stop: async () => {} };
  }
}

async function setup(options: Partial<EventFeedOptions> = {}) {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const kid = await calculateJwkThumbprint(await exportJWK(publicKey));
  const key: VerificationKey = { kid, alg: 'ES256', key: publicKey };
  const keys = new CountingKeys();
  keys.trust(key);
  const source = new CapturedSource();
  const applied: string[] = [];
  const feed = new EventFeed(
    source,
    {
      topic: TOPIC,
      groupIdPrefix: 'spec',
      issuer: ISSUER,
      audiences: ['orders-service'],
      algorithms: ['ES256'],
      ...options,
    },
    keys,
    { [EVENT_TYPES.tokenRevoked]: (event) => void applied.push(event.eventId) },
    silentEventLogger,
  );
  const records = async (count: number): Promise<EventRecord[]> =>
    Promise.all(
      Array.from({ length: count }, async (_, i) => ({
        topic: TOPIC,
        partition: 0,
        offset: String(i),
        key: `jti:t${i}`,
        value: await encodeRevocationEvent(
          { target: { type: 'jti', value: `t${i}` }, revokedAt: Math.floor(Date.now() / 1000), expiresAt: 2e9 },
          { issuer: ISSUER, audience: 'orders-service', signer: { kid, alg: 'ES256', privateKey }, id: `e${i}` },
        ),
      })),
    );
  return { feed, source, keys, key, applied, records };
}

describe('EventFeed', () => {
  it('reads nothing ahead unless asked to', async () => {
    const { source } = await setup();
    expect(source.options?.readAhead).toBeUndefined();
  });

  it('with readAhead, checks a whole batch as soon as it arrives, then applies it in order', async () => {
    const { feed, source, keys, applied, records } = await setup({ readAhead: true });
    const batch = await records(20);
    source.options!.readAhead!(batch);
    await waitFor('the early checks', () => (keys.lookups === batch.length ? true : undefined));
    for (const record of batch) await source.options!.onRecord(record);
    expect(applied).toEqual(batch.map((_, i) => `e${i}`));
    expect(feed.stats).toEqual({ applied: 20, dropped: 0, skipped: 0 });
  });

  it('drops a record whose key was revoked between its early check and its turn', async () => {
    const { feed, source, keys, key, applied, records } = await setup({ readAhead: true });
    const batch = await records(2);
    source.options!.readAhead!(batch);
    await waitFor('the early checks', () => (keys.lookups === batch.length ? true : undefined));
    await source.options!.onRecord(batch[0]!);
    keys.revoke(key.kid);
    await source.options!.onRecord(batch[1]!);
    expect(applied).toEqual(['e0']);
    expect(feed.stats).toEqual({ applied: 1, dropped: 1, skipped: 0 });
  });

  it('verifies again, when its turn comes, a record whose early check failed', async () => {
    const { feed, source, keys, key, applied, records } = await setup({ readAhead: true });
    const batch = await records(1);
    keys.revoke(key.kid);
    source.options!.readAhead!(batch);
    await waitFor('the early check', () => (keys.lookups === 1 ? true : undefined));
    keys.trust(key);
    await source.options!.onRecord(batch[0]!);
    expect(applied).toEqual(['e0']);
    expect(feed.stats).toEqual({ applied: 1, dropped: 0, skipped: 0 });
  });

  it('skips, before any verification, what canSkip says can change nothing, and counts it', async () => {
    const { feed, source, keys, applied, records } = await setup({ canSkip: (value) => value.endsWith(skippable) });
    const batch = await records(3);
    const skippable = batch[1]!.value!.slice(-8);
    for (const record of batch) await source.options!.onRecord(record);
    expect(applied).toEqual(['e0', 'e2']);
    // One key lookup per verified record: the skipped one was never verified.
    expect(keys.lookups).toBe(2);
    expect(feed.stats).toEqual({ applied: 2, dropped: 0, skipped: 1 });
  });
});
