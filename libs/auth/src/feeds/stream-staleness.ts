import { EventVerificationError, type VerifiedHeartbeat } from '@app/events';

/** Options of {@link StreamStaleness}. */
export interface StreamStalenessOptions {
  /** Past this age, in seconds, the view of the topic is stale. */
  readonly maxStalenessSeconds: number;
  /** How far ahead of the local clock a heartbeat's `iat` may be: the skew allowed for a token's `iat`. */
  readonly clockToleranceSeconds: number;
  /** Clock in epoch milliseconds. */
  readonly clock: () => number;
}

/** The staleness part of a resource server's status. */
export interface StalenessStatus {
  /** Seconds (ms precision) since the `iat` of the newest heartbeat applied; `null` before the first one. */
  readonly ageSeconds: number | null;
  readonly maxStalenessSeconds: number;
  /** True before the first heartbeat and whenever `ageSeconds` exceeds `maxStalenessSeconds`. */
  readonly stale: boolean;
  /** The newest heartbeat applied: which auth-service instance sent it, its sequence, `iat` and interval. */
  readonly lastHeartbeat: {
    readonly instance: string;
    readonly sequence: number;
    readonly issuedAt: number;
    readonly intervalSeconds: number;
  } | null;
}

/** What {@link StreamStaleness.change} reports. */
export type StalenessChange = 'stale' | 'fresh';

/**
 * How far behind the revocations topic a service's view may be, measured by the issuer's signed heartbeats.
 *
 * Age = local clock − `iat` of the newest heartbeat applied (never negative). Only heartbeats count: the issuer sends
 * one after the outbox read that found nothing more to publish, so a heartbeat stamped `iat` follows every
 * revocation committed before `iat` in the partition, and applying it means nothing older is missing. A revocation
 * event cannot say as much (it is signed before its transaction commits, so an older one may still follow it).
 * Stale = no heartbeat yet, or age > `maxStalenessSeconds`; that bound must cover the issuer's heartbeat interval,
 * delivery and the clock skew between the two hosts. A heartbeat stamped more than `clockToleranceSeconds` ahead of
 * the local clock is refused (as a token's `iat` is), so no future-dated heartbeat can hold staleness off; within
 * the tolerance an issuer clock that runs ahead reads as up to that much fresher.
 *
 * @example
 * ```ts
 * const staleness = new StreamStaleness({ maxStalenessSeconds: 30, clockToleranceSeconds: 30, clock: Date.now });
 * staleness.observe(parseHeartbeatEvent(event));
 * if (staleness.stale) throw new RevocationStateUnavailableError('stale', staleness.retryAfterSeconds);
 * ```
 */
export class StreamStaleness {
  private newest: VerifiedHeartbeat | undefined;
  private reportedStale: boolean | undefined;

  constructor(private readonly options: StreamStalenessOptions) {}

  /** The newest heartbeat applied, if any. */
  get lastHeartbeat(): VerifiedHeartbeat | undefined {
    return this.newest;
  }

  /**
   * Takes a verified heartbeat into account; an older one than the newest (a compacted survivor read at start, a
   * replay) changes nothing. Throws `EventVerificationError` for one stamped beyond the clock tolerance ahead.
   */
  observe(heartbeat: VerifiedHeartbeat): void {
    if (heartbeat.issuedAt > this.options.clock() / 1000 + this.options.clockToleranceSeconds) {
      throw new EventVerificationError('ERR_EVENT_CLAIMS_INVALID', 'heartbeat "iat" is beyond the clock tolerance');
    }
    if (this.newest === undefined || heartbeat.issuedAt >= this.newest.issuedAt) this.newest = heartbeat;
  }

  /** Seconds since the newest heartbeat's `iat`; `undefined` before the first heartbeat. */
  ageSeconds(): number | undefined {
    if (this.newest === undefined) return undefined;
    return Math.max(0, this.options.clock() / 1000 - this.newest.issuedAt);
  }

  get stale(): boolean {
    const age = this.ageSeconds();
    return age === undefined || age > this.options.maxStalenessSeconds;
  }

  /** When to ask again while stale: the issuer's heartbeat interval (its next beat), 1 s before any is known. */
  get retryAfterSeconds(): number {
    return this.newest?.intervalSeconds ?? 1;
  }

  /**
   * `'stale'` the first time it finds the view stale (and after each recovery), `'fresh'` the first time after a
   * reported `'stale'`, `undefined` otherwise: one log line per transition, however often it is asked.
   */
  change(): StalenessChange | undefined {
    const stale = this.stale;
    const previous = this.reportedStale;
    this.reportedStale = stale;
    if (stale && previous !== true) return 'stale';
    if (!stale && previous === true) return 'fresh';
    return undefined;
  }

  status(): StalenessStatus {
    const age = this.ageSeconds();
    const beat = this.newest;
    return {
      ageSeconds: age === undefined ? null : Math.round(age * 1000) / 1000,
      maxStalenessSeconds: this.options.maxStalenessSeconds,
      stale: this.stale,
      lastHeartbeat:
        beat === undefined
          ? null
          : {
              instance: beat.instance,
              sequence: beat.sequence,
              issuedAt: beat.issuedAt,
              intervalSeconds: beat.intervalSeconds,
            },
    };
  }
}
