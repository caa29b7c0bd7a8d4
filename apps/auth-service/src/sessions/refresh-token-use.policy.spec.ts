import { describe, expect, it } from '@jest/globals';
import { refreshTokenUse, type RefreshTokenFacts } from './refresh-token-use.policy.js';

const ROTATED = 1_900_000_000;
const live: RefreshTokenFacts = { generation: 3, rotatedAt: null, graceUsedAt: null, liveGeneration: 3 };
const previous: RefreshTokenFacts = { generation: 2, rotatedAt: ROTATED, graceUsedAt: null, liveGeneration: 3 };

describe('refreshTokenUse', () => {
  it.each([
    ['the live token, no grace', live, ROTATED + 100, 0, 'rotate'],
    ['the live token, with grace', live, ROTATED + 100, 10, 'rotate'],
    ['the previous token without grace, the same instant', previous, ROTATED, 0, 'reuse'],
    ['the previous token within the grace', previous, ROTATED + 9.9, 10, 'grace'],
    ['the previous token at the end of the grace', previous, ROTATED + 10, 10, 'grace'],
    ['the previous token after the grace', previous, ROTATED + 10.1, 10, 'reuse'],
    ['the previous token, grace already spent', { ...previous, graceUsedAt: ROTATED + 1 }, ROTATED + 2, 10, 'reuse'],
    ['an older token within the grace', { ...previous, generation: 1 }, ROTATED + 1, 10, 'reuse'],
    ['a token of a session without a live one', { ...previous, liveGeneration: null }, ROTATED + 1, 10, 'reuse'],
  ] as const)('%s → %s', (_name, token, nowS, grace, expected) => {
    expect(refreshTokenUse(token, nowS, grace)).toBe(expected);
  });
});
