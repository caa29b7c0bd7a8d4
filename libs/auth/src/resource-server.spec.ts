import { afterEach, describe, expect, it } from '@jest/globals';
import { EVENT_TYPES } from '@app/events';
import { NOW_S, REVOCATIONS, stackAt, stopStartedServers } from '../../../test/support/resource-server-stack.js';
import { waitFor } from '../../../test/support/wait-for.js';

afterEach(stopStartedServers);

describe('ResourceServer', () => {
  it('applies revocation events to what authenticate answers', async () => {
    const clock = { now: NOW_S * 1000 };
    const { server, revoke, heartbeat, token } = await stackAt(clock, { maxRevocationEntries: 10 });
    await heartbeat();
    const bearer = await token('jti-1');
    await expect(server.authenticate(bearer, ['orders:read'])).resolves.toMatchObject({ claims: { jti: 'jti-1' } });
    await revoke({ target: { type: 'jti', value: 'jti-1' }, revokedAt: NOW_S, expiresAt: NOW_S + 300 });
    await expect(server.authenticate(bearer, [])).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
  });

  it.each([EVENT_TYPES.credentialChange, EVENT_TYPES.tokenClaimsChange, EVENT_TYPES.subjectRevoked] as const)(
    'applies a sub cut-off carried by %s: earlier tokens of the subject refused, later ones pass',
    async (eventType) => {
      const clock = { now: NOW_S * 1000 };
      const { server, revoke, heartbeat, token } = await stackAt(clock);
      await heartbeat();
      const earlier = await token();
      await revoke({ target: { type: 'sub', value: 'alice' }, revokedAt: NOW_S, expiresAt: NOW_S + 600, eventType });
      await expect(server.authenticate(earlier, [])).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
      clock.now = (NOW_S + 1) * 1000;
      await expect(server.authenticate(await token(), [])).resolves.toBeDefined();
    },
  );

  it('answers a repeated token from its verified-token cache, reports the cache in status, and still applies revocations', async () => {
    const clock = { now: NOW_S * 1000 };
    const { server, revoke, heartbeat, token } = await stackAt(clock);
    await heartbeat();
    const bearer = await token('jti-cached');
    const first = await server.authenticate(bearer, ['orders:read']);
    await expect(server.authenticate(bearer, ['orders:read'])).resolves.toBe(first);
    const { tokenCache } = server.status();
    expect(tokenCache).toMatchObject({ enabled: true, entries: 1, maxEntries: 10_000, maxBytes: 16 * 1024 * 1024 });
    expect(tokenCache.bytes).toBeGreaterThan(bearer.length);
    await expect(server.authenticate(bearer, ['orders:write'])).rejects.toMatchObject({
      code: 'ERR_INSUFFICIENT_SCOPE',
    });
    await revoke({ target: { type: 'jti', value: 'jti-cached' }, revokedAt: NOW_S, expiresAt: NOW_S + 300 });
    await expect(server.authenticate(bearer, [])).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    expect(server.status().tokenCache.entries).toBe(1);
  });

  it('with tokenCache false verifies every request and reports the cache disabled', async () => {
    const clock = { now: NOW_S * 1000 };
    const { server, heartbeat, token } = await stackAt(clock, { tokenCache: false });
    await heartbeat();
    const bearer = await token();
    const first = await server.authenticate(bearer, ['orders:read']);
    const second = await server.authenticate(bearer, ['orders:read']);
    expect(second).not.toBe(first);
    expect(second.claims).toEqual(first.claims);
    expect(server.status().tokenCache).toEqual({ enabled: false, entries: 0, bytes: 0, maxEntries: 0, maxBytes: 0 });
  });

  it('refuses every token past its revocation cap, even fail-open, keeps every entry, and recovers once pruned', async () => {
    const clock = { now: NOW_S * 1000 };
    const { server, revoke, heartbeat, token } = await stackAt(clock, { maxRevocationEntries: 3 });
    await heartbeat();
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
  });
});

describe('ResourceServer staleness, fail-closed', () => {
  it('refuses (503 hint 1 s) until caught up, then until the first fresh heartbeat', async () => {
    const clock = { now: NOW_S * 1000 };
    const { server, topics, heartbeat, outcome, warnings } = await stackAt(clock, { policy: 'closed' });
    topics.behind.add(REVOCATIONS);
    expect(await outcome()).toBe('ERR_REVOCATION_STATE_UNAVAILABLE retry 1');
    topics.behind.delete(REVOCATIONS);

    // Caught up on an old compacted heartbeat only: still stale.
    await heartbeat(clock.now - 60_000);
    expect(await outcome()).toBe('ERR_REVOCATION_STATE_UNAVAILABLE retry 5');
    expect(server.status()).toMatchObject({ ready: false, staleness: { ageSeconds: 60, stale: true } });

    await heartbeat();
    expect(await outcome()).toBe('accepted');
    expect(server.status()).toMatchObject({
      ready: true,
      staleness: {
        ageSeconds: 0,
        maxStalenessSeconds: 20,
        stale: false,
        lastHeartbeat: { instance: 'auth-1', intervalSeconds: 5 },
      },
    });
    expect(warnings('refusing every token')).toHaveLength(1);
    expect(warnings('fresh again')).toHaveLength(1);
  });

  it.each([
    ['within the bound', 20_000, 'accepted', true],
    ['past the bound', 20_001, 'ERR_REVOCATION_STATE_UNAVAILABLE retry 5', false],
    ['long past the bound', 3_600_000, 'ERR_REVOCATION_STATE_UNAVAILABLE retry 5', false],
  ])('%s (%p ms after the last heartbeat) answers %s, ready %p', async (_name, elapsedMs, expected, ready) => {
    const clock = { now: NOW_S * 1000 };
    const { server, heartbeat, outcome } = await stackAt(clock, { policy: 'closed' });
    await heartbeat();
    clock.now += elapsedMs;
    expect(await outcome()).toBe(expected);
    expect(server.ready).toBe(ready);
  });

  it('turns stale without any request, logs it once, refuses a token revoked meanwhile, and recovers by itself', async () => {
    const clock = { now: NOW_S * 1000 };
    const { server, revoke, heartbeat, token, outcome, warnings } = await stackAt(clock, { policy: 'closed' });
    await heartbeat();
    const revokedLater = await token('jti-later');
    expect(await outcome(revokedLater)).toBe('accepted');

    clock.now += 21_000;
    await waitFor('the stale warning', () => (warnings('refusing every token').length > 0 ? true : undefined));
    for (let i = 0; i < 5; i += 1) {
      expect(await outcome(revokedLater)).toBe('ERR_REVOCATION_STATE_UNAVAILABLE retry 5');
    }
    expect(warnings('refusing every token')).toHaveLength(1);
    expect(warnings('fresh again')).toHaveLength(0);

    const nowS = Math.floor(clock.now / 1000);
    await revoke({ target: { type: 'jti', value: 'jti-later' }, revokedAt: nowS, expiresAt: nowS + 300 });
    await heartbeat();
    expect(await outcome(revokedLater)).toBe('ERR_TOKEN_REVOKED');
    expect(await outcome()).toBe('accepted');
    expect(server.ready).toBe(true);
    expect(warnings('fresh again')).toHaveLength(1);
  });

  it('drops a heartbeat stamped beyond the clock tolerance ahead, takes one within it', async () => {
    const clock = { now: NOW_S * 1000 };
    const { server, heartbeat, outcome } = await stackAt(clock, { policy: 'closed' });
    await heartbeat(clock.now + 6_000);
    expect(server.status()).toMatchObject({ revocations: { dropped: 1 }, staleness: { stale: true } });
    expect(await outcome()).toBe('ERR_REVOCATION_STATE_UNAVAILABLE retry 1');

    await heartbeat(clock.now + 5_000);
    expect(server.status()).toMatchObject({ revocations: { dropped: 1 }, staleness: { ageSeconds: 0, stale: false } });
    expect(await outcome()).toBe('accepted');
  });

  it('warns once when the issuer’s heartbeat interval is not below the staleness bound', async () => {
    const { heartbeat, warnings } = await stackAt({ now: NOW_S * 1000 }, { policy: 'closed' });
    await heartbeat(undefined, 20);
    await heartbeat(undefined, 20);
    await heartbeat(undefined, 5);
    expect(warnings('less often than maxStalenessSeconds')).toHaveLength(1);
  });
});

describe('ResourceServer staleness, fail-open', () => {
  it('keeps serving while stale, but is not ready and says so once in the log, until it recovers', async () => {
    const clock = { now: NOW_S * 1000 };
    const { server, heartbeat, outcome, warnings } = await stackAt(clock, { policy: 'open' });
    await heartbeat();
    clock.now += 25_000;
    await waitFor('the stale warning', () => (warnings('fail-open').length > 0 ? true : undefined));
    expect(await outcome()).toBe('accepted');
    expect(await outcome()).toBe('accepted');
    expect(server.status()).toMatchObject({ ready: false, staleness: { ageSeconds: 25, stale: true } });
    expect(warnings('fail-open')).toHaveLength(1);

    await heartbeat();
    expect(server.status()).toMatchObject({ ready: true, staleness: { stale: false } });
    expect(warnings('fresh again')).toHaveLength(1);
  });
});
