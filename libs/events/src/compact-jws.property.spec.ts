import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isCanonicalCompactJws } from './compact-jws.js';

/** The definition the check implements: each of three segments decodes and encodes back to the same text. */
function roundTripsCanonically(value: string): boolean {
  const segments = value.split('.');
  return (
    segments.length === 3 &&
    segments.every((segment) => Buffer.from(segment, 'base64url').toString('base64url') === segment)
  );
}

/** base64url characters, the ones lenient decoders accept or skip, and the separator. */
const CHARACTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= \n\t.%';
const text = fc.string({ unit: fc.constantFrom(...CHARACTERS), maxLength: 40 });
const canonicalSegment = fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes).toString('base64url'));
/** A canonical segment with one character changed: a respelling of the same bytes, or another text. */
const nearSegment = fc
  .tuple(canonicalSegment, fc.nat(), fc.constantFrom(...CHARACTERS))
  .map(([segment, at, character]) =>
    segment === ''
      ? character
      : segment.slice(0, at % segment.length) + character + segment.slice((at % segment.length) + 1),
  );
const segment = fc.oneof(canonicalSegment, nearSegment, text);
const compact = fc.oneof(
  fc.tuple(segment, segment, segment).map((parts) => parts.join('.')),
  fc.array(segment, { maxLength: 5 }).map((parts) => parts.join('.')),
  text,
);

describe('isCanonicalCompactJws', () => {
  it('agrees with the decode-and-encode-back definition on any text', () => {
    fc.assert(
      fc.property(compact, (value) => {
        expect(isCanonicalCompactJws(value)).toBe(roundTripsCanonically(value));
      }),
      { numRuns: 20_000 },
    );
  });

  it('refuses every respelling of a segment that decodes to the same bytes', () => {
    // 'c2k' is "si"; its last character keeps 2 unused bits, so 'c2l', 'c2m' and 'c2n' decode to "si" too.
    expect(isCanonicalCompactJws('eyJhbGciOiJFUzI1NiJ9.e30.c2k')).toBe(true);
    for (const respelled of ['c2l', 'c2m', 'c2n', 'c2k=', 'c2 k', 'c2k\n']) {
      expect(Buffer.from(respelled, 'base64url').toString()).toBe('si');
      expect(isCanonicalCompactJws(`eyJhbGciOiJFUzI1NiJ9.e30.${respelled}`)).toBe(false);
    }
  });
});
