import { UuidTable, type PruneSlice } from './uuid-table.js';

interface Entry {
  revokedAt: number;
  expiresAt: number;
}

/**
 * The revocations of one target type: canonical UUIDs (our `jti`s, `sid`s and user ids) in a compact
 * {@link UuidTable}, any other value in a plain Map, so every issuer's ids are kept exactly. A value lives in one
 * of the two: a UUID whose dates do not fit the table moves to the Map with what the table had for it.
 *
 * @example
 * ```ts
 * const entries = new RevocationEntries({ withRevokedAt: true });
 * entries.apply('user-42', revokedAt, expiresAt);
 * entries.revokedAt('user-42'); // revokedAt
 * ```
 */
export class RevocationEntries {
  private readonly table: UuidTable;
  private readonly others = new Map<string, Entry>();
  /** Where an unfinished {@link prune} pass is: in the table, or at this position of the Map. */
  private othersCursor: Iterator<[string, Entry]> | undefined;

  constructor(options: { readonly withRevokedAt: boolean }) {
    this.table = new UuidTable(options);
  }

  /** Number of entries. */
  get size(): number {
    return this.table.size + this.others.size;
  }

  /** Records a revocation of `value`; the latest `revokedAt` and `expiresAt` win. */
  apply(value: string, revokedAt: number, expiresAt: number): void {
    if (!this.others.has(value) && this.table.set(value, revokedAt, expiresAt)) return;
    const existing = this.others.get(value) ?? this.table.take(value);
    this.others.set(value, {
      revokedAt: Math.max(existing?.revokedAt ?? revokedAt, revokedAt),
      expiresAt: Math.max(existing?.expiresAt ?? expiresAt, expiresAt),
    });
  }

  has(value: string): boolean {
    return this.table.has(value) || (this.others.size > 0 && this.others.has(value));
  }

  /** The latest `revokedAt` of `value`, or undefined when it is not revoked. */
  revokedAt(value: string): number | undefined {
    return this.table.revokedAt(value) ?? this.others.get(value)?.revokedAt;
  }

  /**
   * Removes expired entries, the table's then the Map's, looking at no more than `maxVisits` slots or entries:
   * call again until `done`.
   */
  prune(isExpired: (expiresAt: number) => boolean, maxVisits: number): PruneSlice {
    let removed = 0;
    let visited = 0;
    if (this.othersCursor === undefined) {
      const slice = this.table.prune(isExpired, maxVisits);
      if (!slice.done) return slice;
      ({ removed, visited } = slice);
      this.othersCursor = this.others.entries();
    }
    for (;;) {
      if (visited >= maxVisits) return { removed, visited, done: false };
      const next = this.othersCursor.next();
      if (next.done) break;
      visited += 1;
      const [value, entry] = next.value;
      if (isExpired(entry.expiresAt)) {
        this.others.delete(value);
        removed += 1;
      }
    }
    this.othersCursor = undefined;
    return { removed, visited, done: true };
  }
}
