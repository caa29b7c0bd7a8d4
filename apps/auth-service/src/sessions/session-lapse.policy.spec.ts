import { describe, expect, it } from '@jest/globals';
import { sessionDeadline, sessionLapse } from './session-lapse.policy.js';

const LOGIN = 1_900_000_000;
const IDLE = 1800;
/** Logged in at LOGIN, 12 h lifetime, last refreshed 11 h 50 min later. */
const late = { expiresAt: LOGIN + 43_200, lastActiveAt: LOGIN + 42_600 };
const fresh = { expiresAt: LOGIN + 43_200, lastActiveAt: LOGIN };

describe('sessionLapse', () => {
  it.each([
    ['just logged in', fresh, LOGIN, undefined],
    ['one second before the idle timeout', fresh, LOGIN + IDLE - 1, undefined],
    ['at the idle timeout', fresh, LOGIN + IDLE, 'idle'],
    ['recently refreshed, before the absolute end', late, LOGIN + 43_199.9, undefined],
    ['recently refreshed, at the absolute end', late, LOGIN + 43_200, 'expired'],
    ['past both: the absolute end wins', fresh, LOGIN + 50_000, 'expired'],
  ])('%s', (_name, session, nowS, expected) => {
    expect(sessionLapse(session, nowS, IDLE)).toBe(expected);
  });
});

describe('sessionDeadline', () => {
  it('is the idle deadline until the absolute end comes first', () => {
    expect(sessionDeadline(fresh, IDLE)).toBe(LOGIN + IDLE);
    expect(sessionDeadline(late, IDLE)).toBe(LOGIN + 43_200);
  });
});
