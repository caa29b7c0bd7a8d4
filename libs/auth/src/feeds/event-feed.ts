import {
  EventVerificationError,
  verifySecurityEvent,
  type EventLogger,
  type EventRecord,
  type EventSource,
  type EventSubscription,
  type VerifiedSecurityEvent,
} from '@app/events';
import { KeyNotFoundError, type KeyResolver } from '../keys/verification-key.js';

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
}

/** Counters exposed for health and metrics. */
export interface EventFeedStats {
  /** Events verified and applied. */
  applied: number;
  /** Records dropped because they did not verify or were malformed (each one logged with its offset). */
  dropped: number;
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
  applied?(event: VerifiedSecurityEvent, record: EventRecord, live: boolean): void;
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
  readonly stats: EventFeedStats = { applied: 0, dropped: 0 };
  private readonly subscription: EventSubscription;
  private readonly types: ReadonlySet<string>;

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
    const live = this.caughtUp;
    try {
      const event = await verifySecurityEvent(record.value, {
        issuer: this.options.issuer,
        audience: this.options.audiences,
        algorithms: this.options.algorithms,
        types: this.types,
        resolveKey: async (header) => (await this.keys.resolve(header)).key,
      });
      await this.handlers[event.type](event);
      this.stats.applied += 1;
      this.observer.applied?.(event, record, live);
      this.logger.debug('Security event applied', {
        topic: record.topic,
        eventId: event.eventId,
        type: event.type,
        partition: record.partition,
        offset: record.offset,
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
}
