import { describe, expect, it } from '@jest/globals';
import { generateRefreshToken, hashRefreshToken, isRefreshToken } from './refresh-token.js';

describe('refresh tokens', () => {
  it('are 256 random bits in base64url, all different', () => {
    const tokens = Array.from({ length: 1000 }, generateRefreshToken);
    expect(new Set(tokens).size).toBe(1000);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      expect(isRefreshToken(token)).toBe(true);
    }
  });

  it.each([
    ['a JWT', 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'],
    ['one character short', 'A'.repeat(42)],
    ['one character long', 'A'.repeat(44)],
    ['padding', `${'A'.repeat(42)}=`],
    ['base64 alphabet', `${'A'.repeat(42)}+`],
  ])('are told apart from %s', (_name, value) => {
    expect(isRefreshToken(value)).toBe(false);
  });

  it('are stored as an unkeyed SHA-256, never as themselves', () => {
    const token = generateRefreshToken();
    const stored = hashRefreshToken(token);
    expect(stored).toMatch(/^sha256:[A-Za-z0-9_-]{43}$/);
    expect(stored).toBe(hashRefreshToken(token));
    expect(stored).not.toContain(token);
    expect(hashRefreshToken(generateRefreshToken())).not.toBe(stored);
  });
});
