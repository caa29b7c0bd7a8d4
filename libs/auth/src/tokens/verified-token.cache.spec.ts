import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { silentEventLogger, type KeyLifecycleEvent } from '@app/events';
import { respellSignature } from '../../../../test/support/crafted-tokens.js';
import { KeySet } from '../keys/key-set.js';
import { AccessTokenVerifier } from './access-token.verifier.js';
import { VerifiedTokenCache, type VerifiedTokenCacheOptions } from './verified-token.cache.js';

const ISSUER = 'https://auth.example.test';
const NOW_S = 1_800_000_000;
const TOLERANCE_S = 30;

let privateKey: CryptoKey;
let jwk: JWK & { kid: string; alg: string };

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  const publicJwk = await exportJWK(pair.publicKey);
  jwk = { ...publicJwk, kid: await calculateJwkThumbprint(publicJwk), alg: 'ES256' };
});

/**
 * A cache over the real verifier and a real key set, on an injected clock; `resolves` counts key lookups and
 * `verifies` counts full verifications (key lookup, jose signature check, claims).
 */
async function cacheAt(clock: { now: number }, bounds: Partial<VerifiedTokenCacheOptions> = {}) {
  const keys = new KeySet({
    algorithms: ['ES256'],
    load: async () => [jwk],
    cooldownMs: 30_000,
    maxAgeMs: 600_000,
    clock: () => clock.now,
    logger: silentEventLogger,
    onKeyRemoved: (kid) => cache.dropKey(kid),
  });
  await keys.refresh();
  const resolves = jest.spyOn(keys, 'resolve');
  const verifier = new AccessTokenVerifier(
    {
      issuer: ISSUER,
      audiences: ['orders-service'],
      algorithms: ['ES256'],
      clockToleranceSeconds: TOLERANCE_S,
      maxTokenBytes: 8192,
      clock: () => clock.now,
    },
    keys,
  );
  const verifies = jest.spyOn(verifier, 'verify');
  const cache = new VerifiedTokenCache(verifier, {
    maxEntries: 100,
    maxBytes: 1024 * 1024,
    clockToleranceSeconds: TOLERANCE_S,
    clock: () => clock.now,
    ...bounds,
  });
  return { cache, keys, resolves, verifies };
}

function sign({
  jti = crypto.randomUUID() as string,
  iat = NOW_S,
  exp = NOW_S + 300,
  nbf = undefined as number | undefined,
} = {}) {
  return new SignJWT({
    sub: 'alice',
    client_id: 'demo-app',
    scope: 'orders:read',
    jti,
    ...(nbf === undefined ? {} : { nbf }),
  })
    .setProtectedHeader({ alg: 'ES256', kid: jwk.kid, typ: 'at+jwt' })
    .setIssuer(ISSUER)
    .setAudience('orders-service')
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(privateKey);
}

/** The same token with one byte of its decoded signature changed. */
function withSignatureByteFlipped(token: string, index = 10): string {
  const [header, payload, signature] = token.split('.');
  const bytes = Buffer.from(signature!, 'base64url');
  bytes[index] = bytes[index]! ^ 0x01;
  return `${header}.${payload}.${bytes.toString('base64url')}`;
}

function keyEvent(state: 'retired' | 'revoked'): KeyLifecycleEvent {
  return { kid: jwk.kid, alg: jwk.alg, state, jwk, at: NOW_S };
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (error: { code?: string }) => error.code,
  );

describe('VerifiedTokenCache', () => {
  it('answers a token presented again with the same claims, without a key lookup or a signature check', async () => {
    const { cache, resolves, verifies } = await cacheAt({ now: NOW_S * 1000 });
    const token = await sign({ jti: 'jti-1' });
    const first = await cache.verify(token);
    for (let i = 0; i < 5; i += 1) expect(await cache.verify(token)).toBe(first);
    expect(first.claims).toMatchObject({ jti: 'jti-1', sub: 'alice' });
    expect(verifies).toHaveBeenCalledTimes(1);
    expect(resolves).toHaveBeenCalledTimes(1);
    expect(cache.size()).toMatchObject({ entries: 1 });
    expect(Object.isFrozen(first.claims)).toBe(true);
  });

  it('keys on the whole token: one signature byte changed, or the same signature spelled otherwise, is a miss and refused', async () => {
    const { cache, verifies } = await cacheAt({ now: NOW_S * 1000 });
    const token = await sign();
    await cache.verify(token);
    expect(await codeOf(cache.verify(withSignatureByteFlipped(token)))).toBe('ERR_TOKEN_SIGNATURE_INVALID');
    expect(await codeOf(cache.verify(respellSignature(token)))).toBe('ERR_TOKEN_MALFORMED');
    expect(verifies).toHaveBeenCalledTimes(3);
    // Failures are not remembered: each attempt is verified in full again.
    expect(await codeOf(cache.verify(withSignatureByteFlipped(token)))).toBe('ERR_TOKEN_SIGNATURE_INVALID');
    expect(verifies).toHaveBeenCalledTimes(4);
    expect(cache.size().entries).toBe(1);
  });

  it('checks exp on every hit with the verifier tolerance: the entry dies at exp + tolerance and the token is refused', async () => {
    const clock = { now: NOW_S * 1000 };
    const { cache, verifies } = await cacheAt(clock);
    const token = await sign({ exp: NOW_S + 60 });
    await cache.verify(token);
    clock.now = (NOW_S + 60 + TOLERANCE_S - 1) * 1000 + 999;
    expect(await codeOf(cache.verify(token))).toBe('accepted');
    expect(verifies).toHaveBeenCalledTimes(1);
    clock.now = (NOW_S + 60 + TOLERANCE_S) * 1000;
    expect(await codeOf(cache.verify(token))).toBe('ERR_TOKEN_EXPIRED');
    expect(cache.size().entries).toBe(0);
    expect(await codeOf(cache.verify(token))).toBe('ERR_TOKEN_EXPIRED');
    expect(verifies).toHaveBeenCalledTimes(3);
  });

  it('checks nbf and iat on every hit: a clock set back before them refuses the cached token', async () => {
    const clock = { now: NOW_S * 1000 };
    const { cache } = await cacheAt(clock);
    const early = await sign({ nbf: NOW_S, iat: NOW_S - 100 });
    const issued = await sign({ iat: NOW_S });
    await cache.verify(early);
    await cache.verify(issued);
    clock.now = (NOW_S - TOLERANCE_S - 1) * 1000;
    expect(await codeOf(cache.verify(early))).toBe('ERR_TOKEN_NOT_YET_VALID');
    expect(await codeOf(cache.verify(issued))).toBe('ERR_TOKEN_NOT_YET_VALID');
  });

  it('prune drops expired entries only', async () => {
    const clock = { now: NOW_S * 1000 };
    const { cache } = await cacheAt(clock);
    await cache.verify(await sign({ exp: NOW_S + 10 }));
    await cache.verify(await sign({ exp: NOW_S + 300 }));
    clock.now = (NOW_S + 10 + TOLERANCE_S) * 1000;
    expect(cache.prune()).toBe(1);
    expect(cache.size().entries).toBe(1);
  });

  it.each([
    ['revoked', 'ERR_TOKEN_REVOKED'],
    ['retired', 'ERR_TOKEN_KEY_UNKNOWN'],
  ] as const)(
    'drops the entries of a key once the key set learns it is %s; its tokens are refused',
    async (state, code) => {
      const { cache, keys } = await cacheAt({ now: NOW_S * 1000 });
      const token = await sign();
      await cache.verify(token);
      await cache.verify(await sign());
      expect(cache.size().entries).toBe(2);
      await keys.apply(keyEvent(state));
      expect(cache.size()).toMatchObject({ entries: 0, bytes: 0 });
      expect(await codeOf(cache.verify(token))).toBe(code);
    },
  );

  it('evicts the least recently used entry past maxEntries', async () => {
    const { cache, verifies } = await cacheAt({ now: NOW_S * 1000 }, { maxEntries: 2 });
    const [a, b, c] = [await sign(), await sign(), await sign()];
    await cache.verify(a);
    await cache.verify(b);
    await cache.verify(a); // a is now the most recently used
    await cache.verify(c); // evicts b
    expect(cache.size().entries).toBe(2);
    verifies.mockClear();
    await cache.verify(a);
    await cache.verify(c);
    expect(verifies).not.toHaveBeenCalled();
    await cache.verify(b);
    expect(verifies).toHaveBeenCalledTimes(1);
  });

  it('evicts the least recently used entries past maxBytes, and accounts bytes exactly', async () => {
    const probe = await cacheAt({ now: NOW_S * 1000 });
    await probe.cache.verify(await sign());
    const entryBytes = probe.cache.size().bytes;
    expect(entryBytes).toBeGreaterThan(0);

    const { cache, verifies } = await cacheAt({ now: NOW_S * 1000 }, { maxBytes: entryBytes * 3 + entryBytes / 2 });
    const tokens = [await sign(), await sign(), await sign(), await sign()];
    for (const token of tokens) await cache.verify(token);
    expect(cache.size()).toMatchObject({ entries: 3, bytes: entryBytes * 3 });
    verifies.mockClear();
    await cache.verify(tokens[0]!);
    expect(verifies).toHaveBeenCalledTimes(1);
    for (const token of tokens.slice(2)) await cache.verify(token);
    expect(verifies).toHaveBeenCalledTimes(1);
  });

  it('does not hold a token larger than maxBytes on its own', async () => {
    const { cache } = await cacheAt({ now: NOW_S * 1000 }, { maxBytes: 100 });
    await expect(cache.verify(await sign())).resolves.toMatchObject({ kid: jwk.kid });
    expect(cache.size()).toMatchObject({ entries: 0, bytes: 0 });
  });
});
