import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ThrottlerStorageService } from '@nestjs/throttler';
import { SlidingWindowStorage } from './sliding-window.storage.js';

// Global fake timers rather than an injected clock: the oracle, the package's default storage, reads Date.now().
const START = Date.UTC(2030, 0, 1);

/** One step of a script: a request (key, throttler, its ttl and limit) or the clock moving on. */
type Step = { request: [key: string, throttler: string, ttlMs: number, limit: number] } | { waitMs: number };

const request = (key: string, throttler: string, ttlMs: number, limit: number): Step => ({
  request: [key, throttler, ttlMs, limit],
});
const wait = (waitMs: number): Step => ({ waitMs });

/** Runs `steps` against both storages; returns the pairs of answers, ours first. */
async function runBoth(steps: Step[]) {
  const ours = new SlidingWindowStorage();
  const oracle = new ThrottlerStorageService();
  const answers = [];
  try {
    for (const step of steps) {
      if ('waitMs' in step) {
        jest.advanceTimersByTime(step.waitMs);
        continue;
      }
      const [key, throttler, ttl, limit] = step.request;
      answers.push({
        step: step.request,
        ours: await ours.increment(key, ttl, limit, 0, throttler),
        oracle: await oracle.increment(key, ttl, limit, 0, throttler),
      });
    }
  } finally {
    ours.onModuleDestroy();
    oracle.onApplicationShutdown();
  }
  return answers;
}

/** A deterministic script mixing keys, two throttlers (one sharing a key), limits reached and idle periods. */
function pseudoRandomScript(length: number, seed: number): Step[] {
  let state = seed;
  const next = (n: number) => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state % n;
  };
  const throttlers = [
    ['token', 10_000, 4],
    ['revoke', 3_500, 2],
    ['introspect', 60_000, 0],
  ] as const;
  const steps: Step[] = [];
  for (let i = 0; i < length; i += 1) {
    const roll = next(100);
    // Steps of 250 ms land requests exactly on expiries too.
    if (roll < 35) steps.push(wait(roll < 3 ? 65_000 + next(10_000) : 250 * next(6)));
    const [name, ttl, limit] = throttlers[next(throttlers.length)] as (typeof throttlers)[number];
    steps.push(request(`client:${next(3)}`, name, ttl, limit));
  }
  return steps;
}

describe('SlidingWindowStorage', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: START });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('answers as the default storage: limit reached, window sliding, key expiring, two throttlers on one key', async () => {
    const token = () => request('a', 'token', 10_000, 3);
    const steps = [
      token(),
      wait(1_000),
      token(),
      wait(1_000),
      token(),
      token(), // refused: Retry-After when the oldest hit leaves the window
      wait(4_200),
      token(),
      wait(3_000),
      token(), // still refused, 0.8 s left
      wait(800),
      token(), // the oldest hit has left the window
      token(),
      request('a', 'revoke', 20_000, 1), // the same key under another throttler: its own count, shared window timer
      request('a', 'revoke', 20_000, 1),
      wait(30_000),
      request('a', 'revoke', 20_000, 1),
      wait(61_000), // past the sweep: the key was forgotten
      token(),
      request('b', 'token', 10_000, 0), // a limit of 0 refuses everything
    ];
    const answers = await runBoth(steps);
    for (const { ours, oracle } of answers) expect(ours).toEqual(oracle);
    expect(answers.map(({ ours }) => [ours.isBlocked, ours.totalHits, ours.timeToBlockExpire])).toEqual([
      [false, 1, 0],
      [false, 2, 0],
      [false, 3, 0],
      [true, 4, 8],
      [true, 4, 4],
      [true, 4, 1],
      [false, 3, 0],
      [true, 4, 1],
      [false, 1, 0],
      [true, 2, 20],
      [false, 1, 0],
      [false, 1, 0],
      [true, 1, 10],
    ]);
  });

  it('answers as the default storage over a long pseudo-random script', async () => {
    const answers = await runBoth(pseudoRandomScript(3_000, 7));
    const differing = answers.filter(({ ours, oracle }) => JSON.stringify(ours) !== JSON.stringify(oracle));
    expect(differing).toEqual([]);
    // The script covers both answers, with hits counted and with some expired.
    expect(answers.filter(({ ours }) => ours.isBlocked).length).toBeGreaterThan(100);
    expect(answers.filter(({ ours }) => !ours.isBlocked && ours.totalHits > 1).length).toBeGreaterThan(100);
  });

  it('holds 200,000 hits in one window without throwing, at about the cost per request of 100 hits', async () => {
    jest.useFakeTimers({ now: START, doNotFake: ['hrtime'] }); // the measure runs on the real clock
    const costOf = async (hitsInWindow: number) => {
      const storage = new SlidingWindowStorage();
      // One request per millisecond, ttl = hitsInWindow ms: the window holds hitsInWindow hits, each request drops
      // the one that expired and counts itself.
      const step = async () => {
        jest.setSystemTime(Date.now() + 1);
        return storage.increment('client:busy', hitsInWindow, 1_000_000_000, 0, 'token');
      };
      for (let i = 0; i < hitsInWindow; i += 1) await step();
      const calls = 50_000;
      const startedAt = process.hrtime.bigint();
      let last;
      for (let i = 0; i < calls; i += 1) last = await step();
      const nsPerCall = Number(process.hrtime.bigint() - startedAt) / calls;
      storage.onModuleDestroy();
      return { nsPerCall, totalHits: last?.totalHits };
    };
    await costOf(100); // warm-up
    const small = await costOf(100);
    const large = await costOf(200_000);
    expect(small.totalHits).toBe(100);
    expect(large.totalHits).toBe(200_000);
    expect(large.nsPerCall / small.nsPerCall).toBeLessThan(10);
  });

  it('forgets a key on the sweep after its hits expired, and keeps one with live hits', async () => {
    const storage = new SlidingWindowStorage();
    await storage.increment('short', 1_000, 10, 0, 'token');
    await storage.increment('long', 120_000, 10, 0, 'token');
    jest.advanceTimersByTime(60_000);
    expect(storage.keyCount).toBe(1);
    storage.onModuleDestroy();
    expect(storage.keyCount).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('refuses a blocking throttler (blockDuration > 0) with a TypeError', async () => {
    const storage = new SlidingWindowStorage();
    await expect(storage.increment('a', 1_000, 10, 5_000, 'token')).rejects.toThrow(TypeError);
    storage.onModuleDestroy();
  });
});
