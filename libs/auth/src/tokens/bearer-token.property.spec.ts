import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { InvalidRequestError, MissingTokenError } from '../errors/auth.errors.js';
import { extractBearerToken } from './bearer-token.js';

/** RFC 6750 §2.1 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const RUNS = { numRuns: 1000 } as const;

const B64TOKEN_CHARACTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/';
const b64token = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...B64TOKEN_CHARACTERS), minLength: 1, maxLength: 40 }),
    fc.string({ unit: fc.constant('='), maxLength: 2 }),
  )
  .map(([body, padding]) => `${body}${padding}`);

/** Header values near the grammar: scheme spellings, separators, tokens, and any text. */
const headerValue = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'DPoP', 'Bearerx', ''),
      fc.constantFrom(' ', '  ', '\t', '', ', ', ' \t'),
      fc.oneof(b64token, fc.string({ unit: 'binary', maxLength: 20 })),
      fc.constantFrom('', ' ', ',', ' x', '"', '\u0000'),
    )
    .map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

describe('extractBearerToken properties', () => {
  it('returns a b64token or throws MissingTokenError / InvalidRequestError, for any value or list of lines', () => {
    fc.assert(
      fc.property(fc.oneof(headerValue, fc.array(headerValue, { maxLength: 3 }), fc.constant(undefined)), (header) => {
        let token: string;
        try {
          token = extractBearerToken(header);
        } catch (error) {
          expect(error instanceof MissingTokenError || error instanceof InvalidRequestError).toBe(true);
          return;
        }
        expect(token).toMatch(B64TOKEN);
        expect(typeof header === 'string' ? [header] : header).toHaveLength(1);
      }),
      { seed: 42, ...RUNS },
    );
  });

  it('gives back exactly the token of "Bearer" 1*SP b64token, whatever the scheme case and spaces', () => {
    fc.assert(
      fc.property(
        fc.mixedCase(fc.constant('Bearer')),
        fc.integer({ min: 1, max: 4 }),
        b64token,
        (scheme, spaces, token) => {
          expect(extractBearerToken(`${scheme}${' '.repeat(spaces)}${token}`)).toBe(token);
        },
      ),
      { seed: 42, ...RUNS },
    );
  });
});
