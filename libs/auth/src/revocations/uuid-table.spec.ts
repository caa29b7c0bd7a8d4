import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { UuidTable } from './uuid-table.js';

const REVOKED_AT = 1_800_000_000;
const EXPIRES_AT = REVOKED_AT + 300;
const BYTES_PER_SLOT = 20;

function filled(count: number, expiresAt: (i: number) => number = () => EXPIRES_AT) {
  const table = new UuidTable({ withRevokedAt: false });
  const ids = Array.from({ length: count }, () => randomUUID());
  expect(ids.filter((id, i) => !table.set(id, REVOKED_AT, expiresAt(i)))).toEqual([]);
  return { table, ids };
}

/** Runs a whole prune pass in slices of `maxVisits`, checking each slice's bound. */
function prunePass(table: UuidTable, isExpired: (expiresAt: number) => boolean, maxVisits = 1000) {
  let removed = 0;
  let mostVisited = 0;
  for (let done = false; !done;) {
    const slice = table.prune(isExpired, maxVisits);
    mostVisited = Math.max(mostVisited, slice.visited);
    removed += slice.removed;
    done = slice.done;
  }
  expect(mostVisited).toBeLessThanOrEqual(maxVisits);
  return removed;
}

describe('UuidTable', () => {
  it('holds exactly what was set: every member found, no random non-member, no one-digit neighbour', () => {
    const { table, ids } = filled(100_000);
    expect(table.size).toBe(100_000);
    expect(ids.filter((id) => !table.has(id))).toEqual([]);
    const strangers = Array.from({ length: 100_000 }, () => randomUUID());
    expect(strangers.filter((id) => table.has(id))).toEqual([]);
    const member = ids[0];
    const neighbours = [...member.matchAll(/[0-9a-f]/g)].map(({ index }) => {
      const digit = member[index] === '0' ? '1' : '0';
      return member.slice(0, index) + digit + member.slice(index + 1);
    });
    expect(neighbours).toHaveLength(32);
    expect(neighbours.filter((id) => table.has(id))).toEqual([]);
  });

  it.each([
    ['upper case', '0B6C7D3E-8A4F-4C1E-9F2A-1D3B5C7E9F01'],
    ['braces', '{0b6c7d3e-8a4f-4c1e-9f2a-1d3b5c7e9f01}'],
    ['no hyphens', '0b6c7d3e8a4f4c1e9f2a1d3b5c7e9f01'],
    ['a hyphen moved', '0b6c7d3e8-a4f-4c1e-9f2a-1d3b5c7e9f01'],
    ['a non-hex digit', '0b6c7d3e-8a4f-4c1e-9f2a-1d3b5c7e9f0g'],
    ['a non-ASCII digit', '0b6c7d3e-8a4f-4c1e-9f2a-1d3b5c7e9f0é'],
    ['not an id at all', 'jti-1'],
  ])('refuses %s, which the caller keeps elsewhere', (_, value) => {
    const table = new UuidTable({ withRevokedAt: true });
    expect(table.set(value, REVOKED_AT, EXPIRES_AT)).toBe(false);
    expect(table.has(value)).toBe(false);
    expect(table.size).toBe(0);
  });

  it.each([
    ['expiresAt 0 (the empty-slot mark)', REVOKED_AT, 0],
    ['expiresAt past 2^32 - 1', REVOKED_AT, 2 ** 32],
    ['a fractional expiresAt', REVOKED_AT, EXPIRES_AT + 0.5],
    ['a negative revokedAt', -1, EXPIRES_AT],
    ['a revokedAt past 2^32 - 1', 2 ** 32, EXPIRES_AT],
  ])('refuses %s, rather than round it', (_, revokedAt, expiresAt) => {
    const table = new UuidTable({ withRevokedAt: true });
    expect(table.set(randomUUID(), revokedAt, expiresAt)).toBe(false);
    expect(table.size).toBe(0);
  });

  it('keeps dates up to 2^32 - 1 unchanged, and ignores revokedAt in a table without it', () => {
    const id = randomUUID();
    const table = new UuidTable({ withRevokedAt: true });
    expect(table.set(id, 2 ** 32 - 1, 2 ** 32 - 1)).toBe(true);
    expect(table.revokedAt(id)).toBe(2 ** 32 - 1);
    expect(new UuidTable({ withRevokedAt: false }).set(id, 2 ** 40, EXPIRES_AT)).toBe(true);
    expect(() => new UuidTable({ withRevokedAt: false }).revokedAt(id)).toThrow(TypeError);
  });

  it('keeps the latest revokedAt and expiresAt of an id set twice, as one entry', () => {
    const id = randomUUID();
    const table = new UuidTable({ withRevokedAt: true });
    table.set(id, REVOKED_AT, EXPIRES_AT);
    table.set(id, REVOKED_AT - 100, EXPIRES_AT - 100);
    expect(table.revokedAt(id)).toBe(REVOKED_AT);
    expect(table.size).toBe(1);
    expect(prunePass(table, (expiresAt) => expiresAt < EXPIRES_AT)).toBe(0);
    table.set(id, REVOKED_AT + 5, EXPIRES_AT + 5);
    expect(table.revokedAt(id)).toBe(REVOKED_AT + 5);
    expect(prunePass(table, (expiresAt) => expiresAt < EXPIRES_AT + 5)).toBe(0);
    expect(table.take(id)).toEqual({ revokedAt: REVOKED_AT + 5, expiresAt: EXPIRES_AT + 5 });
  });

  it('grows by rehash, staying between 50 % and 80 % full (at most 40 bytes an entry)', () => {
    const table = new UuidTable({ withRevokedAt: false });
    const initialCapacity = table.capacity;
    const ids: string[] = [];
    for (let i = 0; i < 200_000; i += 1) {
      ids.push(randomUUID());
      table.set(ids[i], REVOKED_AT, EXPIRES_AT);
      if (i % 20_000 === 19_999) {
        expect(table.size / table.capacity).toBeGreaterThanOrEqual(0.5);
        expect(table.size / table.capacity).toBeLessThanOrEqual(0.8);
        expect((table.capacity * BYTES_PER_SLOT) / table.size).toBeLessThanOrEqual(40);
      }
    }
    expect(table.capacity).toBeGreaterThan(initialCapacity);
    expect(ids.filter((id) => !table.has(id))).toEqual([]);
  });

  it('removes by shifting back: the rest stays found, and freed slots are reused instead of growing', () => {
    const { table, ids } = filled(50_000);
    const [gone, kept] = [ids.filter((_, i) => i % 3 === 0), ids.filter((_, i) => i % 3 !== 0)];
    const taken = gone.map((id) => table.take(id));
    expect(taken.filter((entry) => entry?.expiresAt !== EXPIRES_AT)).toEqual([]);
    expect(gone.filter((id) => table.has(id))).toEqual([]);
    expect(kept.filter((id) => !table.has(id))).toEqual([]);
    expect(table.size).toBe(kept.length);
    expect(table.take(gone[0])).toBeUndefined();

    // More ids pass through than there are free slots: only reuse keeps the capacity where it is.
    const capacity = table.capacity;
    const passing = capacity - table.size + 1000;
    for (let inserted = 0; inserted < passing; inserted += 1000) {
      const fresh = Array.from({ length: 1000 }, () => randomUUID());
      fresh.forEach((id) => table.set(id, REVOKED_AT, EXPIRES_AT));
      fresh.forEach((id) => table.take(id));
    }
    expect(table.capacity).toBe(capacity);
    expect(table.size).toBe(kept.length);
    expect(kept.filter((id) => !table.has(id))).toEqual([]);
  });

  it('keeps finding the ids of a bucket that held more than its counter can count (70,000)', () => {
    const table = new UuidTable({ withRevokedAt: false });
    const crowded = Array.from({ length: 70_000 }, (_, i) => {
      const middle = i.toString(16).padStart(24, '0');
      return `abcd${middle.slice(0, 4)}-${middle.slice(4, 8)}-${middle.slice(8, 12)}-${middle.slice(12, 16)}-${middle.slice(16)}ef01`;
    });
    crowded.forEach((id) => table.set(id, REVOKED_AT, EXPIRES_AT));
    const [gone, kept] = [crowded.slice(10), crowded.slice(0, 10)];
    gone.forEach((id) => table.take(id));
    expect(kept.filter((id) => !table.has(id))).toEqual([]);
    expect(gone.slice(0, 1000).filter((id) => table.has(id))).toEqual([]);
    expect(table.size).toBe(10);
  });

  it('prunes only expired entries, in bounded slices, each exactly once', () => {
    const { table, ids } = filled(60_000, (i) => EXPIRES_AT + (i % 3));
    const removed = prunePass(table, (expiresAt) => expiresAt < EXPIRES_AT + 1);
    expect(removed).toBe(20_000);
    expect(ids.filter((id, i) => table.has(id) !== (i % 3 !== 0))).toEqual([]);
    expect(prunePass(table, (expiresAt) => expiresAt < EXPIRES_AT + 1)).toBe(0);
  });

  it('finishes a pass interrupted by growth without missing an expired entry', () => {
    const { table, ids } = filled(20_000);
    const isExpired = (expiresAt: number) => expiresAt === EXPIRES_AT;
    let removed = table.prune(isExpired, 200).removed;
    const later = Array.from({ length: 40_000 }, () => randomUUID());
    later.forEach((id) => table.set(id, REVOKED_AT, EXPIRES_AT + 1));
    removed += prunePass(table, isExpired);
    expect(removed).toBe(20_000);
    expect(ids.filter((id) => table.has(id))).toEqual([]);
    expect(later.filter((id) => !table.has(id))).toEqual([]);
  });

  it('gives memory back once a prune pass leaves it mostly empty', () => {
    const { table, ids } = filled(100_000, (i) => (i < 99_000 ? EXPIRES_AT : EXPIRES_AT + 1));
    const grown = table.capacity;
    expect(prunePass(table, (expiresAt) => expiresAt === EXPIRES_AT, 10_000)).toBe(99_000);
    expect(table.capacity).toBeLessThan(grown / 10);
    expect(ids.slice(99_000).filter((id) => !table.has(id))).toEqual([]);
  });
});
