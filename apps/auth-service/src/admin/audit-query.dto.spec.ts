import { describe, expect, it } from '@jest/globals';
import { parseAuditSince } from './audit-query.dto.js';

describe('parseAuditSince', () => {
  it.each([
    ['2026-05-01T12:00:00Z', '2026-05-01T12:00:00.000Z'],
    ['2026-05-01T14:00:00+02:00', '2026-05-01T12:00:00.000Z'],
    ['2026-05-01T07:30:00-04:30', '2026-05-01T12:00:00.000Z'],
    ['2026-05-01T12:00:00.250Z', '2026-05-01T12:00:00.250Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['1777636800', '2026-05-01T12:00:00.000Z'],
    ['0', '1970-01-01T00:00:00.000Z'],
  ])('reads %s as %s', (value, instant) => {
    expect(parseAuditSince(value)?.toISOString()).toBe(instant);
  });

  it.each([
    ['a date without a time', '2026-05-01'],
    ['a local time without an offset', '2026-05-01T12:00:00'],
    ['a space for the T', '2026-05-01 12:00:00Z'],
    ['lower-case t and z', '2026-05-01t12:00:00z'],
    ['the basic format', '20260501T120000Z'],
    ['February 30', '2026-02-30T00:00:00Z'],
    ['February 29 of a common year', '2026-02-29T00:00:00Z'],
    ['hour 24', '2026-05-01T24:00:00Z'],
    ['minutes without seconds', '2026-05-01T12:00Z'],
    ['milliseconds since the epoch', '1777636800000'],
    ['a negative NumericDate', '-1'],
    ['a fractional NumericDate', '1777636800.5'],
    ['words', 'yesterday'],
    ['a Date.parse favourite', 'May 1, 2026'],
  ])('refuses %s', (_name, value) => {
    expect(parseAuditSince(value)).toBeUndefined();
  });
});
