import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { UuidTable } from './uuid-table.js';

const POOL_SIZE = 2000;
const RUNS = { numRuns: 40 } as const;

/** Canonical UUIDs that share their first and last 4 digits in a few ways, so filter buckets are shared too. */
function uuidAt(i: number): string {
  const hex =
    ['aaaa', 'b0b0', '0000'][i % 3] + i.toString(16).padStart(24, '0') + ['0000', 'ffff', '1234'][(i % 5) % 3];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
const POOL = Array.from({ length: POOL_SIZE }, (_, i) => uuidAt(i));

const index = fc.nat(POOL_SIZE - 1);
const operation = fc.oneof(
  fc.record({
    kind: fc.constant('set'),
    from: index,
    count: fc.integer({ min: 1, max: 400 }),
    expiresAt: fc.integer({ min: 1, max: 5 }),
  }),
  fc.record({ kind: fc.constant('take'), from: index, count: fc.integer({ min: 1, max: 200 }) }),
  fc.record({
    kind: fc.constant('prune'),
    maxVisits: fc.integer({ min: 1, max: 3000 }),
    before: fc.integer({ min: 1, max: 6 }),
  }),
);

function range(from: number, count: number): string[] {
  return POOL.slice(from, Math.min(POOL_SIZE, from + count));
}

describe.each([false, true])('UuidTable (withRevokedAt: %s) against a Map', (withRevokedAt) => {
  it('answers has() as the Map does after any sequence of sets, takes and prune slices', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 30 }), (operations) => {
        const table = new UuidTable({ withRevokedAt });
        const model = new Map<string, number>();
        for (const op of operations) {
          if (op.kind === 'set') {
            for (const id of range(op.from, op.count)) {
              table.set(id, op.expiresAt, op.expiresAt);
              model.set(id, Math.max(model.get(id) ?? 0, op.expiresAt));
            }
          } else if (op.kind === 'take') {
            for (const id of range(op.from, op.count)) {
              const expiresAt = model.get(id);
              expect(table.take(id)?.expiresAt).toBe(expiresAt);
              model.delete(id);
            }
          } else {
            const slice = table.prune((expiresAt) => expiresAt < op.before, op.maxVisits);
            expect(slice.visited).toBeLessThanOrEqual(op.maxVisits);
            const removed = [...model].filter(([id]) => !table.has(id));
            expect(removed.filter(([, expiresAt]) => expiresAt >= op.before)).toEqual([]);
            expect(removed).toHaveLength(slice.removed);
            removed.forEach(([id]) => model.delete(id));
          }
          expect(table.size).toBe(model.size);
        }
        expect(POOL.filter((id) => table.has(id) !== model.has(id))).toEqual([]);
        if (withRevokedAt) expect([...model].filter(([id, at]) => table.revokedAt(id) !== at)).toEqual([]);
      }),
      RUNS,
    );
  });
});
