import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Revocation } from '@app/events';
import { RevocationIndex, type RevocableToken } from './revocation-index.js';

const NOW_S = 1_800_000_000;
const token: RevocableToken = {
  jti: 'jti-1',
  sub: 'alice',
  client_id: 'demo-app',
  iat: NOW_S - 10,
  sid: 'sid-1',
  kid: 'kid-1',
};
/** The same token with UUIDs wherever the issuer writes them, so its ids go to the UUID table, not the Map. */
const uuidToken: RevocableToken = {
  jti: '6f1c2a4e-3b5d-4e7f-8a9b-0c1d2e3f4a5b',
  sub: '0b6c7d3e-8a4f-4c1e-9f2a-1d3b5c7e9f01',
  client_id: '9d8c7b6a-5f4e-4d3c-ab2a-1f0e9d8c7b6a',
  iat: NOW_S - 10,
  sid: 'c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f',
  kid: 'e1f2a3b4-c5d6-4e7f-9a0b-1c2d3e4f5a6b',
};
const TOKENS = [
  ['non-UUID ids (Map)', token],
  ['UUID ids (table)', uuidToken],
] as const;

function revocation(
  type: Revocation['target']['type'],
  value: string,
  revokedAt = NOW_S,
  expiresAt = NOW_S + 300,
): Revocation {
  return { target: { type, value }, revokedAt, expiresAt };
}

function indexAt(nowS: number) {
  const clock = { now: nowS * 1000 };
  return { index: new RevocationIndex({ clock: () => clock.now, graceSeconds: 30 }), clock };
}

describe.each(TOKENS)('RevocationIndex with %s', (_, token) => {
  it.each([
    [revocation('jti', token.jti), 'jti'],
    [revocation('sid', token.sid!), 'sid'],
    [revocation('kid', token.kid), 'kid'],
    [revocation('sub', token.sub), 'sub'],
    [revocation('client', token.client_id), 'client'],
    [revocation('sub', token.sub, NOW_S - 10), 'sub'],
    [revocation('jti', 'other'), undefined],
    [revocation('sid', randomUUID()), undefined],
    [revocation('kid', 'other'), undefined],
    [revocation('sub', token.sub, NOW_S - 11), undefined],
    [revocation('client', token.client_id, NOW_S - 60), undefined],
  ])('%j → %s', (entry, expected) => {
    const { index } = indexAt(NOW_S);
    index.apply(entry);
    expect(index.match(token)).toBe(expected);
  });

  it.each([
    [['client', 'sub', 'kid', 'sid', 'jti'], 'jti'],
    [['client', 'sub', 'kid', 'sid'], 'sid'],
    [['client', 'sub', 'kid'], 'kid'],
    [['client', 'sub'], 'sub'],
    [['client'], 'client'],
  ] as const)('answers in the order jti, sid, kid, sub, client: %j → %s', (types, expected) => {
    const { index } = indexAt(NOW_S);
    const values = { jti: token.jti, sid: token.sid!, kid: token.kid, sub: token.sub, client: token.client_id };
    types.forEach((type) => index.apply(revocation(type, values[type])));
    expect(index.match(token)).toBe(expected);
    expect(index.size).toBe(types.length);
  });

  it('keeps the latest expiresAt: an earlier one arriving later does not shorten the entry', () => {
    const { index, clock } = indexAt(NOW_S);
    index.apply(revocation('jti', token.jti, NOW_S, NOW_S + 100));
    index.apply(revocation('jti', token.jti, NOW_S, NOW_S + 1000));
    index.apply(revocation('jti', token.jti, NOW_S, NOW_S + 50));
    clock.now = (NOW_S + 500) * 1000;
    expect(index.prune()).toEqual({ removed: 0, done: true });
    expect(index.match(token)).toBe('jti');
    expect(index.size).toBe(1);
  });

  it('does not hit a token without sid through a session revocation', () => {
    const { index } = indexAt(NOW_S);
    index.apply(revocation('sid', 'sid-1'));
    expect(index.match({ ...token, sid: undefined })).toBeUndefined();
  });

  it('keeps the latest revokedAt for a subject', () => {
    const { index } = indexAt(NOW_S);
    index.apply(revocation('sub', token.sub, NOW_S));
    index.apply(revocation('sub', token.sub, NOW_S - 100));
    expect(index.match({ ...token, iat: NOW_S - 50 })).toBe('sub');
  });

  it('ignores revocations that expired before they arrived', () => {
    const { index } = indexAt(NOW_S);
    expect(index.apply(revocation('jti', token.jti, NOW_S - 600, NOW_S - 31))).toBe(false);
    expect(index.match(token)).toBeUndefined();
    expect(index.size).toBe(0);
  });

  it('prunes entries once expired past the grace period, not before', () => {
    const { index, clock } = indexAt(NOW_S);
    index.apply(revocation('jti', token.jti, NOW_S, NOW_S + 100));
    index.apply(revocation('sub', randomUUID(), NOW_S, NOW_S + 1000));
    clock.now = (NOW_S + 130) * 1000;
    expect(index.prune()).toEqual({ removed: 0, done: true });
    clock.now = (NOW_S + 131) * 1000;
    expect(index.prune()).toEqual({ removed: 1, done: true });
    expect(index.size).toBe(1);
    expect(index.match(token)).toBeUndefined();
  });
});

describe('RevocationIndex', () => {
  it('counts entries by target type', () => {
    const { index } = indexAt(NOW_S);
    index.apply(revocation('jti', uuidToken.jti));
    index.apply(revocation('jti', token.jti));
    index.apply(revocation('sid', uuidToken.sid!));
    index.apply(revocation('client', token.client_id));
    expect(index.sizes()).toEqual({ jti: 2, sid: 1, sub: 0, client: 1, kid: 0 });
    expect(index.size).toBe(4);
  });

  it('moves a UUID whose new dates do not fit the table to the Map, keeping the latest of both', () => {
    const { index, clock } = indexAt(NOW_S);
    index.apply(revocation('sub', uuidToken.sub, NOW_S, NOW_S + 100));
    index.apply(revocation('sub', uuidToken.sub, NOW_S - 100, 2 ** 33));
    index.apply(revocation('sub', uuidToken.sub, NOW_S - 200, NOW_S + 10));
    expect(index.sizes().sub).toBe(1);
    expect(index.match(uuidToken)).toBe('sub');
    expect(index.match({ ...uuidToken, iat: NOW_S + 1 })).toBeUndefined();
    clock.now = (NOW_S + 10_000) * 1000;
    expect(index.prune()).toEqual({ removed: 0, done: true });
    expect(index.match(uuidToken)).toBe('sub');
  });

  it('has no false positive among 50,000 revoked and 50,000 other random UUIDs', () => {
    const { index } = indexAt(NOW_S);
    const revoked = Array.from({ length: 50_000 }, () => randomUUID());
    revoked.forEach((jti) => index.apply(revocation('jti', jti)));
    const others = Array.from({ length: 50_000 }, () => ({ ...uuidToken, jti: randomUUID(), sid: randomUUID() }));
    expect(others.filter((other) => index.match(other) !== undefined)).toEqual([]);
    expect(revoked.filter((jti) => index.match({ ...uuidToken, jti }) !== 'jti')).toEqual([]);
  });
});

describe('RevocationIndex pruning in slices', () => {
  it('spreads a pass over many calls of bounded work, and removes every expired entry exactly once', () => {
    const { index, clock } = indexAt(NOW_S);
    const entries = 300_000;
    for (let i = 0; i < entries; i += 1) {
      index.apply(revocation(i % 2 === 0 ? 'jti' : 'sid', `v-${i}`, NOW_S, i % 3 === 0 ? NOW_S + 10 : NOW_S + 10_000));
    }
    clock.now = (NOW_S + 100) * 1000;
    let removed = 0;
    let slices = 0;
    for (let done = false; !done; slices += 1) {
      const slice = index.prune(10_000);
      expect(slice.removed).toBeLessThanOrEqual(10_000);
      removed += slice.removed;
      done = slice.done;
    }
    expect(removed).toBe(entries / 3);
    expect(index.size).toBe(entries - entries / 3);
    expect(slices).toBe(entries / 10_000 + 1);
  });
});
