import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { silentEventLogger } from '@app/events';
import { JwksKeyCache } from './jwks-key-cache.js';

/** A real JWKS endpoint on loopback whose answer and availability the tests change. */
let server: Server;
let jwksUri: string;
let published: { keys: unknown[] } = { keys: [] };
let status = 200;
let requests = 0;

let es256: JWK;
let secondEs256: JWK;

beforeAll(async () => {
  es256 = { ...(await exportJWK((await generateKeyPair('ES256')).publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  secondEs256 = { ...(await exportJWK((await generateKeyPair('ES256')).publicKey)), kid: 'k2', alg: 'ES256' };
  server = createServer((_request, response) => {
    requests += 1;
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(published));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function cacheAt(clock: { now: number }) {
  requests = 0;
  status = 200;
  return new JwksKeyCache({
    jwksUri,
    algorithms: ['ES256'],
    cooldownMs: 30_000,
    maxAgeMs: 600_000,
    timeoutMs: 2_000,
    clock: () => clock.now,
    logger: silentEventLogger,
  });
}

describe('JwksKeyCache', () => {
  it('imports each published key once, bound to its alg', async () => {
    published = { keys: [es256] };
    const cache = cacheAt({ now: 0 });
    const first = await cache.getKey('k1');
    const second = await cache.getKey('k1');
    expect(first.alg).toBe('ES256');
    expect(second).toBe(first);
    expect(requests).toBe(1);
  });

  it('shares one fetch between concurrent lookups of an unknown kid, then honours the cooldown', async () => {
    published = { keys: [es256] };
    const clock = { now: 0 };
    const cache = cacheAt(clock);
    const lookups = await Promise.allSettled([cache.getKey('k2'), cache.getKey('k2'), cache.getKey('k1')]);
    expect(requests).toBe(1);
    expect(lookups.map((lookup) => lookup.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    await expect(cache.getKey('k2')).rejects.toMatchObject({ code: 'ERR_TOKEN_KEY_UNKNOWN' });
    expect(requests).toBe(1);
    published = { keys: [es256, secondEs256] };
    clock.now = 30_000;
    await expect(cache.getKey('k2')).resolves.toMatchObject({ kid: 'k2' });
    expect(requests).toBe(2);
  });

  it('refetches for a trusted caller whose event is newer than the set, at most once a second', async () => {
    published = { keys: [es256] };
    const clock = { now: 0 };
    const cache = cacheAt(clock);
    await expect(cache.getKey('k2')).rejects.toMatchObject({ code: 'ERR_TOKEN_KEY_UNKNOWN' });
    published = { keys: [es256, secondEs256] };
    clock.now = 500;
    await expect(cache.getKey('k2')).rejects.toMatchObject({ code: 'ERR_TOKEN_KEY_UNKNOWN' });
    await expect(cache.getKey('k2', { refreshIfFetchedBefore: 0 })).rejects.toMatchObject({
      code: 'ERR_TOKEN_KEY_UNKNOWN',
    });
    await expect(cache.getKey('k2', { refreshIfFetchedBefore: 400 })).rejects.toMatchObject({
      code: 'ERR_KEYS_UNAVAILABLE',
    });
    expect(requests).toBe(1);
    clock.now = 1_000;
    await expect(cache.getKey('k2', { refreshIfFetchedBefore: 400 })).resolves.toMatchObject({ kid: 'k2' });
    expect(requests).toBe(2);
  });

  it('dates the set from when it was requested, so a fetch in flight when a key is published does not vouch for it', async () => {
    published = { keys: [es256] };
    const clock = { now: 0 };
    const cache = cacheAt(clock);
    const inFlight = cache.refresh();
    clock.now = 2_000;
    await inFlight;
    published = { keys: [es256, secondEs256] };
    await expect(cache.getKey('k2', { refreshIfFetchedBefore: 1_000 })).resolves.toMatchObject({ kid: 'k2' });
    expect(requests).toBe(2);
  });

  it('drops keys that leave the set on refresh', async () => {
    published = { keys: [es256, secondEs256] };
    const cache = cacheAt({ now: 0 });
    await cache.refresh();
    published = { keys: [secondEs256] };
    await cache.refresh();
    expect(cache.kids).toEqual(['k2']);
  });

  it('ignores private, symmetric, alg-less and not-allowed keys', async () => {
    const rsa = { ...(await exportJWK((await generateKeyPair('RS256')).publicKey)), kid: 'rsa', alg: 'RS256' };
    const priv = {
      ...(await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey)),
      kid: 'p',
      alg: 'ES256',
    };
    published = {
      keys: [
        priv,
        { kty: 'oct', k: 'c2VjcmV0', kid: 'h', alg: 'HS256' },
        { ...secondEs256, alg: undefined, kid: 'n' },
        rsa,
        es256,
        'junk',
      ],
    };
    const cache = cacheAt({ now: 0 });
    await cache.refresh();
    expect(cache.kids).toEqual(['k1']);
  });

  it('reports an unreachable or broken JWKS as unavailable (transient), not as an unknown key', async () => {
    published = { keys: [es256] };
    const clock = { now: 0 };
    const cache = cacheAt(clock);
    status = 500;
    await expect(cache.getKey('k1')).rejects.toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE' });
    expect(cache.loaded).toBe(false);
    await expect(cache.getKey('k1')).rejects.toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE' });
    expect(requests).toBe(1);
    status = 200;
    clock.now = 1_000;
    await expect(cache.getKey('k1')).resolves.toMatchObject({ kid: 'k1' });
    expect(cache.loaded).toBe(true);
  });

  it('refreshes a stale set in the background while serving the cached key', async () => {
    published = { keys: [es256] };
    const clock = { now: 0 };
    const cache = cacheAt(clock);
    await cache.refresh();
    published = { keys: [es256, secondEs256] };
    clock.now = 600_001;
    await expect(cache.getKey('k1')).resolves.toMatchObject({ kid: 'k1' });
    const deadline = Date.now() + 2_000;
    while (!cache.kids.includes('k2') && Date.now() < deadline) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(cache.kids).toEqual(['k1', 'k2']);
  });
});
