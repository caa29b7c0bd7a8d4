import { describe, expect, it } from '@jest/globals';
import { extractBearerToken } from './bearer-token.js';

describe('extractBearerToken', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc.def.ghi', 'abc.def.ghi'],
    ['Bearer   a-b_c~d+e/f==', 'a-b_c~d+e/f=='],
    [['Bearer abc.def.ghi'], 'abc.def.ghi'],
  ])('extracts the token from %j', (header, expected) => {
    expect(extractBearerToken(header)).toBe(expected);
  });

  it.each([
    [undefined, 'ERR_TOKEN_MISSING'],
    ['', 'ERR_TOKEN_MISSING'],
    ['Basic dXNlcjpwYXNz', 'ERR_TOKEN_MISSING'],
    ['Bearer', 'ERR_INVALID_REQUEST'],
    ['Bearer ', 'ERR_INVALID_REQUEST'],
    ['Bearer a b', 'ERR_INVALID_REQUEST'],
    ['Bearer a=b', 'ERR_INVALID_REQUEST'],
    ['Bearer a,b', 'ERR_INVALID_REQUEST'],
    [[], 'ERR_TOKEN_MISSING'],
    [['Bearer a', 'Bearer b'], 'ERR_INVALID_REQUEST'],
    [['Bearer a', 'Bearer a'], 'ERR_INVALID_REQUEST'],
    [['', 'Bearer a'], 'ERR_INVALID_REQUEST'],
  ])('refuses %j with %s', (header, code) => {
    expect(() => extractBearerToken(header)).toThrow(expect.objectContaining({ code }));
  });

  it('leaves the length of a well-formed token to the verifier (an over-long token is invalid_token)', () => {
    const long = 'a'.repeat(20_000);
    expect(extractBearerToken(`Bearer ${long}`)).toBe(long);
  });
});
