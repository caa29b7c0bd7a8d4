import type { Revocation, RevocationTargetType } from '@app/events';
import { RevocationEntries } from './revocation-entries.js';

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

/** Options of {@link RevocationIndex}. */
export interface RevocationIndexOptions {
  /** Clock in epoch milliseconds. */
  readonly clock: () => number;
  /** Entries are kept this long after their `expiresAt`, to cover verifiers' clock tolerance. */
  readonly graceSeconds: number;
}

/**
 * In-memory revocation state: one {@link RevocationEntries} per target type (UUIDs in a compact typed-array hash
 * table, about 35 bytes an entry at 1M; any other value in a Map), so a lookup is a handful of O(1) exact reads.
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
  /** Only `sub` and `client` look at `revokedAt` (`iat <= revokedAt`); the others keep just the expiry. */
  private readonly entries: Record<RevocationTargetType, RevocationEntries> = {
    jti: new RevocationEntries({ withRevokedAt: false }),
    sid: new RevocationEntries({ withRevokedAt: false }),
    sub: new RevocationEntries({ withRevokedAt: true }),
    client: new RevocationEntries({ withRevokedAt: true }),
    kid: new RevocationEntries({ withRevokedAt: false }),
  };

  private readonly types = Object.keys(this.entries) as RevocationTargetType[];

  /** The target type (index in `types`) where an unfinished {@link prune} pass resumes. */
  private pruneType = 0;

  private readonly isExpiredAt = (expiresAt: number): boolean => this.isExpired(expiresAt);

  constructor(private readonly options: RevocationIndexOptions) {}

  /** Number of live entries, all target types together. */
  get size(): number {
    return this.types.reduce((total, type) => total + this.entries[type].size, 0);
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
    this.entries[revocation.target.type].apply(revocation.target.value, revocation.revokedAt, revocation.expiresAt);
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
   * Removes entries whose tokens have all expired, looking at no more than `maxVisits` entries or table slots (a
   * UUID table's empty slots count too, so a slice's work is bounded whatever its load), so a pass over
   * millions of entries can be spread over many turns of the event loop (a visit costs well under a microsecond):
   * call again until `done`. A pass resumes where the last one stopped; entries added meanwhile are seen by this
   * pass or the next.
   */
  prune(maxVisits = Number.POSITIVE_INFINITY): { removed: number; done: boolean } {
    let removed = 0;
    let visited = 0;
    for (; this.pruneType < this.types.length; this.pruneType += 1) {
      const slice = this.entries[this.types[this.pruneType]].prune(this.isExpiredAt, maxVisits - visited);
      removed += slice.removed;
      visited += slice.visited;
      if (!slice.done) return { removed, done: false };
    }
    this.pruneType = 0;
    return { removed, done: true };
  }

  private issuedBefore(type: 'sub' | 'client', value: string, iat: number): boolean {
    const revokedAt = this.entries[type].revokedAt(value);
    return revokedAt !== undefined && iat <= revokedAt;
  }

  /** True when an entry expiring at `expiresAt` (NumericDate) is of no use any more: past it plus the grace. */
  isExpired(expiresAt: number): boolean {
    return (expiresAt + this.options.graceSeconds) * 1000 < this.options.clock();
  }
}
