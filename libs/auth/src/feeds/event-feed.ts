import {
  epochNowMs,
  EventVerificationError,
  verifySecurityEvent,
  type EventLogger,
  type EventRecord,
  type EventSource,
  type EventSubscription,
  type VerifiedSecurityEvent,
} from '@app/events';
import { KeyNotFoundError, type KeyResolver, type VerificationKey } from '../keys/verification-key.js';

/** A signature and claims check done ahead of applying ({@link EventFeed}), with the key it was done with. */
interface VerifiedAhead {
  readonly event: VerifiedSecurityEvent;
  readonly key: VerificationKey;
}

/**
 * What a feed does with one verified event of a given type: parse its payload (a bad payload throws
 * `EventVerificationError`, and the record is dropped) and apply it to local state.
 *
 * @example
 * ```ts
 * const handlers: EventHandlers = { [EVENT_TYPES.tokenRevoked]: (event) => void index.apply(parseRevocationEvent(event)) };
 * ```
 */
export type EventHandlers = Readonly<Record<string, (event: VerifiedSecurityEvent) => unknown>>;

/** Options of {@link EventFeed}. */
export interface EventFeedOptions {
  readonly topic: string;
  readonly groupIdPrefix: string;
  /** Expected `iss` of every security event. */
  readonly issuer: string;
  /** This service's audiences: every event must name one of them in `aud`. */
  readonly audiences: readonly string[];
  readonly algorithms: readonly string[];
  /**
   * Verify the records of each fetched batch all at once before applying them in order (default `false`). Only for a
   * topic whose records are not signed by keys that earlier records of the same topic introduce (the revocations
   * topic, not the keys topic): a record whose early check failed is verified again when applied, and an early check
   * may already have asked the key source for a key the records before it would have brought.
   */
  readonly readAhead?: boolean;
  /**
   * A cheap look at a record before any verification: true means it can change nothing (a revocation that has
   * already expired), so it is skipped, unverified and unapplied, and counted in `skipped`.
   */
  readonly canSkip?: (value: string) => boolean;
  /** Where the reader starts instead of the beginning (see `EventSubscriptionOptions.startFrom`). */
  readonly startFrom?: () => Promise<Readonly<Record<number, string>> | undefined>;
}

/** Counters exposed for health and metrics. */
export interface EventFeedStats {
  /** Events verified and applied. */
  applied: number;
  /** Records dropped because they did not verify or were malformed (each one logged with its offset). */
  dropped: number;
  /** Records skipped before verification because they could change nothing (`canSkip`: expired revocations). */
  skipped: number;
}

/**
 * When a feed handled one record, epoch milliseconds with sub-ms precision (`epochNowMs`): handed to the feed by the
 * reader, its signature and claims verified, applied to local state.
 */
export interface EventFeedStages {
  readonly receivedAt: number;
  readonly verifiedAt: number;
  readonly appliedAt: number;
}

/**
 * Told of every record a feed applies or drops (the resource server turns these into its named events). `live`: the
 * feed had already caught up when the record arrived, so it was published after this service started, not replayed.
 *
 * @example
 * ```ts
 * const observer: EventFeedObserver = { dropped: (record, code) => void counter.inc({ topic: record.topic, code }) };
 * ```
 */
export interface EventFeedObserver {
  applied?(event: VerifiedSecurityEvent, record: EventRecord, live: boolean, stages: EventFeedStages): void;
  dropped?(record: EventRecord, code: string): void;
}

/**
 * Feeds local state from one topic of security events: every instance reads the whole topic from the beginning;
 * every record must be a security event of a type the topic carries (one of `handlers`), for this service's
 * audience, signed by a trusted key. A record that is the event's fault, or whose key is unknown, is logged with
 * topic/partition/offset, counted and skipped at once (the key set loads the published keys at most once per
 * cooldown, so forged records cannot hold the stream back); a transient failure (no key set loaded yet) is thrown
 * so the reader delivers the record again.
 *
 * @example
 * ```ts
 * const feed = new EventFeed(source, options, keys, handlers, logger, { dropped: (record, code) => count(code) });
 * await feed.start();
 * await feed.whenCaughtUp();
 * ```
 */
export class EventFeed {
  readonly stats: EventFeedStats = { applied: 0, dropped: 0, skipped: 0 };
  private readonly subscription: EventSubscription;
  private readonly types: ReadonlySet<string>;
  /** Early checks of the batch being applied, by `partition:offset` ({@link EventFeedOptions.readAhead}). */
  private ahead = new Map<string, Promise<VerifiedAhead | undefined>>();
  /** When the batch being applied was handed over, if read ahead (for the `receivedAt` stage). */
  private aheadReceivedAt: number | undefined;

  constructor(
    source: EventSource,
    private readonly options: EventFeedOptions,
    private readonly keys: KeyResolver,
    private readonly handlers: EventHandlers,
    private readonly logger: EventLogger,
    private readonly observer: EventFeedObserver = {},
  ) {
    this.types = new Set(Object.keys(handlers));
    this.subscription = source.subscribe({
      topic: options.topic,
      groupIdPrefix: options.groupIdPrefix,
      onRecord: (record) => this.handle(record),
      readAhead: options.readAhead === true ? (records) => this.verifyAhead(records) : undefined,
      ...(options.startFrom === undefined ? {} : { startFrom: options.startFrom }),
    });
  }

  get topic(): string {
    return this.options.topic;
  }

  /** True once every record present at start has been read (and the reader is still running). */
  get caughtUp(): boolean {
    return this.subscription.caughtUp && this.subscription.running;
  }

  start(): Promise<void> {
    return this.subscription.start();
  }

  whenCaughtUp(): Promise<void> {
    return this.subscription.whenCaughtUp();
  }

  stop(): Promise<void> {
    return this.subscription.stop();
  }

  private async handle(record: EventRecord): Promise<void> {
    // Compaction tombstones carry nothing to apply.
    if (record.value === null) return;
    if (this.options.canSkip?.(record.value) === true) {
      this.stats.skipped += 1;
      return;
    }
    const live = this.caughtUp;
    const ahead = this.ahead.get(aheadKey(record));
    this.ahead.delete(aheadKey(record));
    // Read ahead, the batch reached the feed (and its checks started) when the reader handed it over.
    const receivedAt = this.aheadReceivedAt ?? epochNowMs();
    try {
      const event = (await this.stillTrusted(ahead)) ?? (await this.verify(record.value));
      const verifiedAt = epochNowMs();
      await this.handlers[event.type](event);
      this.stats.applied += 1;
      const stages = { receivedAt, verifiedAt, appliedAt: epochNowMs() };
      this.observer.applied?.(event, record, live, stages);
      this.logger.debug('Security event applied', {
        topic: record.topic,
        eventId: event.eventId,
        type: event.type,
        partition: record.partition,
        offset: record.offset,
        key: record.key,
        ...stages,
      });
    } catch (error) {
      if (!(error instanceof EventVerificationError || error instanceof KeyNotFoundError)) throw error;
      this.stats.dropped += 1;
      this.observer.dropped?.(record, error.code);
      this.logger.warn('Dropped a record that does not verify', {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        code: error.code,
        reason: error.message,
      });
    }
  }

  private async verify(
    value: string,
    onKey: (key: VerificationKey) => void = () => undefined,
  ): Promise<VerifiedSecurityEvent> {
    return verifySecurityEvent(value, {
      issuer: this.options.issuer,
      audience: this.options.audiences,
      algorithms: this.options.algorithms,
      types: this.types,
      resolveKey: async (header) => {
        const key = await this.keys.resolve(header);
        onKey(key);
        return key.key;
      },
    });
  }

  /**
   * Starts the signature and claims checks of a whole batch at once. One record at a time, each check waits for its
   * turn behind everything else the process is doing (the requests it serves verify tokens too); a batch of early
   * checks waits once.
   */
  private verifyAhead(records: readonly EventRecord[]): void {
    this.ahead = new Map();
    this.aheadReceivedAt = epochNowMs();
    for (const record of records) {
      const { value } = record;
      if (value === null || this.options.canSkip?.(value) === true) continue;
      let used: VerificationKey | undefined;
      const check = this.verify(value, (key) => (used = key)).then(
        (event) => (used === undefined ? undefined : { event, key: used }),
        // Not an answer yet: the record is verified again, in order, when it is applied, and dropped or retried then.
        () => undefined,
      );
      this.ahead.set(aheadKey(record), check);
    }
  }

  /** The early check's event while its key is still the trusted one for it (not revoked or replaced meanwhile). */
  private async stillTrusted(
    ahead: Promise<VerifiedAhead | undefined> | undefined,
  ): Promise<VerifiedSecurityEvent | undefined> {
    const verified = await ahead;
    if (verified === undefined) return undefined;
    const { kid, alg } = verified.key;
    const current = await this.keys.resolve({ kid, alg }).catch(() => undefined);
    return current === verified.key ? verified.event : undefined;
  }
}

function aheadKey(record: EventRecord): string {
  return `${record.partition}:${record.offset}`;
}
