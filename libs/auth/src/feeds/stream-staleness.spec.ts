import { describe, expect, it } from '@jest/globals';
import { EventVerificationError, type VerifiedHeartbeat } from '@app/events';
import { StreamStaleness } from './stream-staleness.js';

const T0 = 1_790_000_000;

function beat(issuedAt: number, sequence = 0, intervalSeconds = 5): VerifiedHeartbeat {
  return { instance: 'auth-1', sequence, intervalSeconds, eventId: `hb-${sequence}`, issuedAt };
}

/** A tracker with a bound of 30 s, a tolerance of 10 s and a clock the test sets (epoch ms). */
function tracker(nowMs = T0 * 1000) {
  const clock = { nowMs };
  const staleness = new StreamStaleness({
    maxStalenessSeconds: 30,
    clockToleranceSeconds: 10,
    clock: () => clock.nowMs,
  });
  return { staleness, clock };
}

describe('StreamStaleness', () => {
  it('is stale before the first heartbeat, with no age and a one-second retry hint', () => {
    const { staleness } = tracker();
    expect(staleness.status()).toEqual({ ageSeconds: null, maxStalenessSeconds: 30, stale: true, lastHeartbeat: null });
    expect(staleness.retryAfterSeconds).toBe(1);
  });

  it.each([
    ['just sent', 0, 0, false],
    ['delivered within the second it was stamped', 0.75, 0.75, false],
    ['a few beats late', 12.5, 12.5, false],
    ['exactly at the bound', 30, 30, false],
    ['a millisecond past the bound', 30.001, 30.001, true],
    ['long gone', 3600, 3600, true],
    ['stamped 5 s ahead (issuer clock ahead, within the tolerance)', -5, 0, false],
  ])('a heartbeat %s: local clock − iat = %p s reads as age %p, stale %p', (_name, elapsed, age, stale) => {
    const { staleness, clock } = tracker();
    staleness.observe(beat(T0));
    clock.nowMs = (T0 + elapsed) * 1000;
    expect(staleness.status()).toMatchObject({ ageSeconds: age, stale });
    expect(staleness.stale).toBe(stale);
  });

  it.each([
    ['at the tolerance ahead', T0 + 10, 'accepted'],
    ['beyond the tolerance ahead', T0 + 11, 'ERR_EVENT_CLAIMS_INVALID'],
    ['a day ahead', T0 + 86_400, 'ERR_EVENT_CLAIMS_INVALID'],
  ])('takes a heartbeat stamped %s: %s', (_name, issuedAt, outcome) => {
    const { staleness } = tracker();
    let result = 'accepted';
    try {
      staleness.observe(beat(issuedAt));
    } catch (error) {
      result = error instanceof EventVerificationError ? error.code : String(error);
    }
    expect(result).toBe(outcome);
    expect(staleness.stale).toBe(outcome !== 'accepted');
  });

  it('keeps the newest heartbeat: an older one read later (compacted survivor, replay) does not rejuvenate it', () => {
    const { staleness, clock } = tracker();
    staleness.observe(beat(T0 - 100, 7));
    staleness.observe(beat(T0 - 20, 8));
    staleness.observe(beat(T0 - 100, 7));
    clock.nowMs = (T0 + 15) * 1000;
    expect(staleness.status()).toMatchObject({
      ageSeconds: 35,
      stale: true,
      lastHeartbeat: { instance: 'auth-1', sequence: 8, issuedAt: T0 - 20, intervalSeconds: 5 },
    });
  });

  it('hints the issuer’s heartbeat interval as the retry delay once one is known', () => {
    const { staleness } = tracker();
    staleness.observe(beat(T0, 0, 7));
    expect(staleness.retryAfterSeconds).toBe(7);
  });

  it('reports each transition once, however often it is asked', () => {
    const { staleness, clock } = tracker();
    const changes: unknown[] = [];
    const ask = (times = 3) => {
      for (let i = 0; i < times; i += 1) changes.push(staleness.change());
    };
    ask();
    staleness.observe(beat(T0));
    ask();
    clock.nowMs = (T0 + 31) * 1000;
    ask();
    staleness.observe(beat(T0 + 31, 1));
    ask();
    expect(changes).toEqual([
      ...['stale', undefined, undefined],
      ...['fresh', undefined, undefined],
      ...['stale', undefined, undefined],
      ...['fresh', undefined, undefined],
    ]);
  });

  it('says nothing when the first look finds it fresh', () => {
    const { staleness } = tracker();
    staleness.observe(beat(T0));
    expect(staleness.change()).toBeUndefined();
  });
});
