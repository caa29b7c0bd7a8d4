import { describe, expect, it } from '@jest/globals';
import { lockSeconds, type LoginBackoffPolicy } from './login-backoff.policy.js';

const DEFAULTS: LoginBackoffPolicy = { failures: 5, windowSeconds: 900, backoffSeconds: 1, maxBackoffSeconds: 900 };

describe('lockSeconds', () => {
  it.each([
    [1, 0],
    [4, 0],
    [5, 1],
    [6, 2],
    [7, 4],
    [14, 512],
    [15, 900],
    [16, 900],
    [10_000, 900],
  ])('after %i consecutive failures locks for %i s (defaults)', (failures, seconds) => {
    expect(lockSeconds(failures, DEFAULTS)).toBe(seconds);
  });

  it('starts at the configured backoff and never passes the cap', () => {
    const policy = { failures: 2, windowSeconds: 60, backoffSeconds: 3, maxBackoffSeconds: 10 };
    expect([1, 2, 3, 4, 5].map((n) => lockSeconds(n, policy))).toEqual([0, 3, 6, 10, 10]);
  });
});
