import { describe, expect, it } from '@jest/globals';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { silentEventLogger, type KeyLifecycleEvent, type SigningKeyState } from '@app/events';
import { KeySet } from './key-set.js';

/** A published key as the issuer's JWKS lists it: kid = RFC 7638 thumbprint, one alg. */
async function publishedKey(alg: 'ES256' | 'RS256' = 'ES256'): Promise<JWK & { kid: string; alg: string }> {
  const jwk = await exportJWK((await generateKeyPair(alg)).publicKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg, use: 'sig' };
}

function event(jwk: JWK & { kid: string; alg: string }, state: SigningKeyState): KeyLifecycleEvent {
  const { use: _use, ...publicJwk } = jwk;
  return { kid: jwk.kid, alg: jwk.alg, state, jwk: publicJwk, at: 1_790_000_000 };
}

/** A key set over a scripted publisher: `published` is what the next load answers (or throws). */
function keySetAt(clock: { now: number }, published: { keys: unknown[] | Error }) {
  const loads = { count: 0 };
  const removed: string[] = [];
  const keys = new KeySet({
    algorithms: ['ES256'],
    load: async () => {
      loads.count += 1;
      if (published.keys instanceof Error) throw published.keys;
      return published.keys;
    },
    cooldownMs: 30_000,
    maxAgeMs: 600_000,
    clock: () => clock.now,
    logger: silentEventLogger,
    onKeyRemoved: (kid) => removed.push(kid),
  });
  return { keys, loads, removed };
}

describe('KeySet', () => {
  it('imports each published key once and resolves it only with the alg it is bound to', async () => {
    const k1 = await publishedKey();
    const { keys, loads } = keySetAt({ now: 0 }, { keys: [k1] });
    await keys.refresh();
    const first = await keys.resolve({ kid: k1.kid, alg: 'ES256' });
    await keys.refresh();
    expect(await keys.resolve({ kid: k1.kid, alg: 'ES256' })).toBe(first);
    await expect(keys.resolve({ kid: k1.kid, alg: 'RS256' })).rejects.toMatchObject({
      code: 'ERR_KEY_NOT_FOUND',
      reason: 'alg-mismatch',
    });
    expect(loads.count).toBe(2);
  });

  it('shares one load between concurrent lookups of an unknown kid, then answers at once until the cooldown ends', async () => {
    const [k1, k2] = [await publishedKey(), await publishedKey()];
    const published = { keys: [k1] as unknown[] };
    const clock = { now: 0 };
    const { keys, loads } = keySetAt(clock, published);
    await keys.refresh();
    clock.now = 30_000;
    const lookups = await Promise.allSettled([
      keys.resolve({ kid: 'forged-1', alg: 'ES256' }),
      keys.resolve({ kid: 'forged-2', alg: 'ES256' }),
      keys.resolve({ kid: k1.kid, alg: 'ES256' }),
    ]);
    expect(lookups.map((lookup) => lookup.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect(loads.count).toBe(2);
    for (let i = 0; i < 1_000; i += 1) {
      await expect(keys.resolve({ kid: `forged-${i}`, alg: 'ES256' })).rejects.toMatchObject({ reason: 'unknown' });
    }
    expect(loads.count).toBe(2);
    published.keys = [k1, k2];
    clock.now = 60_000;
    await expect(keys.resolve({ kid: k2.kid, alg: 'ES256' })).resolves.toMatchObject({ kid: k2.kid });
    expect(loads.count).toBe(3);
  });

  it.each([
    ['an empty set', []],
    ['a set that drops a key no event retired', 'other'],
  ])('keeps its trusted keys when a load answers %s', async (_name, answer) => {
    const [k1, k2] = [await publishedKey(), await publishedKey()];
    const published = { keys: [k1, k2] as unknown[] };
    const { keys } = keySetAt({ now: 0 }, published);
    await keys.refresh();
    published.keys = answer === 'other' ? [k2] : [];
    await keys.refresh();
    expect(keys.kids.sort()).toEqual([k1.kid, k2.kid].sort());
  });

  it('trusts a key announced as next without loading the published set', async () => {
    const [k1, next] = [await publishedKey(), await publishedKey()];
    const { keys, loads } = keySetAt({ now: 0 }, { keys: [k1] });
    await keys.refresh();
    expect(await keys.apply(event(next, 'next'))).toBe(true);
    expect(await keys.apply(event(next, 'current'))).toBe(false);
    await expect(keys.resolve({ kid: next.kid, alg: 'ES256' })).resolves.toMatchObject({ kid: next.kid });
    expect(loads.count).toBe(1);
  });

  it('drops a retired key, and a revoked one for good: a later load naming it does not bring it back', async () => {
    const [k1, k2] = [await publishedKey(), await publishedKey()];
    const { keys } = keySetAt({ now: 0 }, { keys: [k1, k2] });
    await keys.refresh();
    expect(await keys.apply(event(k1, 'retired'))).toBe(true);
    expect(await keys.apply(event(k2, 'revoked'))).toBe(true);
    await keys.refresh();
    expect(keys.kids).toEqual([]);
    await expect(keys.resolve({ kid: k1.kid, alg: 'ES256' })).rejects.toMatchObject({ reason: 'unknown' });
    await expect(keys.resolve({ kid: k2.kid, alg: 'ES256' })).rejects.toMatchObject({ reason: 'revoked' });
    expect(await keys.apply(event(k2, 'current'))).toBe(false);
    expect(keys.endedCount).toBe(2);
  });

  it('refuses a key event whose kid is not the thumbprint of its JWK', async () => {
    const [k1, k2] = [await publishedKey(), await publishedKey()];
    const { keys } = keySetAt({ now: 0 }, { keys: [] });
    await expect(keys.apply({ ...event(k1, 'next'), jwk: event(k2, 'next').jwk })).rejects.toMatchObject({
      code: 'ERR_EVENT_CLAIMS_INVALID',
    });
    expect(keys.kids).toEqual([]);
  });

  it('ignores key events and published keys of algorithms it does not accept', async () => {
    const rsa = await publishedKey('RS256');
    const { keys } = keySetAt({ now: 0 }, { keys: [rsa] });
    await keys.refresh();
    expect(await keys.apply(event(rsa, 'next'))).toBe(false);
    expect(keys.kids).toEqual([]);
  });

  it('ignores private, symmetric, alg-less and malformed entries', async () => {
    const k1 = await publishedKey();
    const privateJwk = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
    const { keys } = keySetAt(
      { now: 0 },
      {
        keys: [
          { ...privateJwk, kid: 'p', alg: 'ES256' },
          { kty: 'oct', k: 'c2VjcmV0', kid: 'h', alg: 'HS256' },
          { ...k1, alg: undefined, kid: 'n' },
          { ...k1, kid: 'enc', use: 'enc' },
          k1,
          'junk',
        ],
      },
    );
    await keys.refresh();
    expect(keys.kids).toEqual([k1.kid]);
  });

  it('answers unavailable (transient) before its first load, and retries a failed load after a second', async () => {
    const k1 = await publishedKey();
    const published = { keys: new Error('connection refused') as unknown[] | Error };
    const clock = { now: 0 };
    const { keys, loads } = keySetAt(clock, published);
    await expect(keys.resolve({ kid: k1.kid, alg: 'ES256' })).rejects.toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE' });
    await expect(keys.resolve({ kid: k1.kid, alg: 'ES256' })).rejects.toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE' });
    expect(loads.count).toBe(1);
    expect(keys.loaded).toBe(false);
    published.keys = [k1];
    clock.now = 1_000;
    await expect(keys.resolve({ kid: k1.kid, alg: 'ES256' })).resolves.toMatchObject({ kid: k1.kid });
    expect(keys.loaded).toBe(true);
  });

  it('reloads a stale set in the background while serving the trusted key', async () => {
    const [k1, k2] = [await publishedKey(), await publishedKey()];
    const published = { keys: [k1] as unknown[] };
    const clock = { now: 0 };
    const { keys } = keySetAt(clock, published);
    await keys.refresh();
    published.keys = [k1, k2];
    clock.now = 600_001;
    await expect(keys.resolve({ kid: k1.kid, alg: 'ES256' })).resolves.toMatchObject({ kid: k1.kid });
    const deadline = Date.now() + 2_000;
    while (!keys.kids.includes(k2.kid) && Date.now() < deadline) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(keys.kids).toContain(k2.kid);
  });

  it('tells onKeyRemoved when a key stops verifying: retired, revoked, or replaced under its kid; not when seen again', async () => {
    const [k1, k2, k3] = [await publishedKey(), await publishedKey(), await publishedKey()];
    const published = { keys: [k1, k2, k3] as unknown[] };
    const { keys, removed } = keySetAt({ now: 0 }, published);
    await keys.refresh();
    await keys.apply(event(k1, 'current'));
    await keys.refresh();
    expect(removed).toEqual([]);
    await keys.apply(event(k1, 'retired'));
    await keys.apply(event(k2, 'revoked'));
    expect(removed).toEqual([k1.kid, k2.kid]);
    const other = await exportJWK((await generateKeyPair('ES256')).publicKey);
    published.keys = [{ ...other, kid: k3.kid, alg: 'ES256' }];
    await keys.refresh();
    expect(removed).toEqual([k1.kid, k2.kid, k3.kid]);
  });
});
