import { describe, expect, it } from '@jest/globals';
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

describe('RevocationIndex', () => {
  it.each([
    [revocation('jti', 'jti-1'), 'jti'],
    [revocation('sid', 'sid-1'), 'sid'],
    [revocation('kid', 'kid-1'), 'kid'],
    [revocation('sub', 'alice'), 'sub'],
    [revocation('client', 'demo-app'), 'client'],
    [revocation('sub', 'alice', NOW_S - 10), 'sub'],
    [revocation('jti', 'other'), undefined],
    [revocation('sid', 'other'), undefined],
    [revocation('kid', 'other'), undefined],
    [revocation('sub', 'alice', NOW_S - 11), undefined],
    [revocation('client', 'demo-app', NOW_S - 60), undefined],
  ])('%j → %s', (entry, expected) => {
    const { index } = indexAt(NOW_S);
    index.apply(entry);
    expect(index.match(token)).toBe(expected);
  });

  it('does not hit a token without sid through a session revocation', () => {
    const { index } = indexAt(NOW_S);
    index.apply(revocation('sid', 'sid-1'));
    expect(index.match({ ...token, sid: undefined })).toBeUndefined();
  });

  it('keeps the latest revokedAt for a subject', () => {
    const { index } = indexAt(NOW_S);
    index.apply(revocation('sub', 'alice', NOW_S));
    index.apply(revocation('sub', 'alice', NOW_S - 100));
    expect(index.match({ ...token, iat: NOW_S - 50 })).toBe('sub');
  });

  it('ignores revocations that expired before they arrived', () => {
    const { index } = indexAt(NOW_S);
    expect(index.apply(revocation('jti', 'jti-1', NOW_S - 600, NOW_S - 31))).toBe(false);
    expect(index.match(token)).toBeUndefined();
    expect(index.size).toBe(0);
  });

  it('prunes entries once expired past the grace period, not before', () => {
    const { index, clock } = indexAt(NOW_S);
    index.apply(revocation('jti', 'jti-1', NOW_S, NOW_S + 100));
    index.apply(revocation('sub', 'bob', NOW_S, NOW_S + 1000));
    clock.now = (NOW_S + 130) * 1000;
    expect(index.prune()).toEqual({ removed: 0, done: true });
    clock.now = (NOW_S + 131) * 1000;
    expect(index.prune()).toEqual({ removed: 1, done: true });
    expect(index.size).toBe(1);
    expect(index.match(token)).toBeUndefined();
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
