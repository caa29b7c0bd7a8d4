import type { Revocation, RevocationTargetType } from '@app/events';

/** The parts of a verified token the index looks at. */
export interface RevocableToken {
  readonly jti: string;
  readonly sub: string;
  readonly client_id: string;
  readonly iat: number;
  readonly sid?: string;
  /** The key that signed the token. */
  readonly kid: string;
}

interface Entry {
  revokedAt: number;
  expiresAt: number;
}

/** Options of {@link RevocationIndex}. */
export interface RevocationIndexOptions {
  /** Clock in epoch milliseconds. */
  readonly clock: () => number;
  /** Entries are kept this long after their `expiresAt`, to cover verifiers' clock tolerance. */
  readonly graceSeconds: number;
}

/**
 * In-memory revocation state: one hash map per target type, so a lookup is a handful of O(1) reads.
 * - `jti`, `sid`, `kid`: every token with that id, session or signing key is revoked;
 * - `sub`, `client`: tokens issued at or before the revocation (`iat <= revokedAt`) are revoked, so
 *   tokens from a later re-authentication pass.
 * Entries are dropped once the longest token they can hit has expired ({@link prune}, in slices of bounded work).
 *
 * @example
 * ```ts
 * const index = new RevocationIndex({ clock: Date.now, graceSeconds: 30 });
 * index.apply({ target: { type: 'jti', value: 'abc' }, revokedAt, expiresAt });
 * index.match({ jti: 'abc', sub, client_id, iat, kid }); // 'jti'
 * ```
 */
export class RevocationIndex {
  private readonly entries: Record<RevocationTargetType, Map<string, Entry>> = {
    jti: new Map(),
    sid: new Map(),
    sub: new Map(),
    client: new Map(),
    kid: new Map(),
  };

  /** Where an unfinished {@link prune} resumes: the target types left, and the position in the current one. */
  private pruneCursor: { types: RevocationTargetType[]; entries: Iterator<[string, Entry]> } | undefined;

  constructor(private readonly options: RevocationIndexOptions) {}

  /** Number of live entries, all target types together. */
  get size(): number {
    return Object.values(this.entries).reduce((total, map) => total + map.size, 0);
  }

  /** Number of live entries per target type (the metrics' `auth_revocation_entries{type}`). */
  sizes(): Record<RevocationTargetType, number> {
    const { jti, sid, sub, client, kid } = this.entries;
    return { jti: jti.size, sid: sid.size, sub: sub.size, client: client.size, kid: kid.size };
  }

  /** Records a revocation; the latest `revokedAt` and `expiresAt` win. Returns false when it had already expired. */
  apply(revocation: Revocation): boolean {
    if (this.isExpired(revocation.expiresAt)) {
      return false;
    }
    const map = this.entries[revocation.target.type];
    const existing = map.get(revocation.target.value);
    map.set(revocation.target.value, {
      revokedAt: Math.max(existing?.revokedAt ?? revocation.revokedAt, revocation.revokedAt),
      expiresAt: Math.max(existing?.expiresAt ?? revocation.expiresAt, revocation.expiresAt),
    });
    return true;
  }

  /** The target type that revokes this token, or `undefined` when it is not revoked. */
  match(token: RevocableToken): RevocationTargetType | undefined {
    if (this.entries.jti.has(token.jti)) return 'jti';
    if (token.sid !== undefined && this.entries.sid.has(token.sid)) return 'sid';
    if (this.entries.kid.has(token.kid)) return 'kid';
    if (this.issuedBefore('sub', token.sub, token.iat)) return 'sub';
    if (this.issuedBefore('client', token.client_id, token.iat)) return 'client';
    return undefined;
  }

  /**
   * Removes entries whose tokens have all expired, looking at no more than `maxVisits` entries, so a pass over
   * millions of entries can be spread over many turns of the event loop (a visit costs well under a microsecond):
   * call again until `done`. A pass resumes where the last one stopped; entries added meanwhile are seen by this
   * pass or the next.
   */
  prune(maxVisits = Number.POSITIVE_INFINITY): { removed: number; done: boolean } {
    this.pruneCursor ??= {
      types: Object.keys(this.entries) as RevocationTargetType[],
      entries: this.entries.jti.entries(),
    };
    let removed = 0;
    let visited = 0;
    for (;;) {
      const next = this.pruneCursor.entries.next();
      if (next.done) {
        this.pruneCursor.types.shift();
        const type = this.pruneCursor.types[0];
        if (type === undefined) {
          this.pruneCursor = undefined;
          return { removed, done: true };
        }
        this.pruneCursor.entries = this.entries[type].entries();
        continue;
      }
      const [value, entry] = next.value;
      if (this.isExpired(entry.expiresAt)) {
        this.entries[this.pruneCursor.types[0]].delete(value);
        removed += 1;
      }
      visited += 1;
      if (visited >= maxVisits) return { removed, done: false };
    }
  }

  private issuedBefore(type: 'sub' | 'client', value: string, iat: number): boolean {
    const entry = this.entries[type].get(value);
    return entry !== undefined && iat <= entry.revokedAt;
  }

  private isExpired(expiresAt: number): boolean {
    return (expiresAt + this.options.graceSeconds) * 1000 < this.options.clock();
  }
}
