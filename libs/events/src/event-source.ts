import type { EventRecord } from './event-record.js';

/**
 * What a reader of one topic is told: the topic, a consumer-group prefix unique to the service, and the handler of
 * each record. Throwing from `onRecord` means "transient, deliver this record again"; a bad event is the handler's
 * to count and skip.
 *
 * @example
 * ```ts
 * const subscription = source.subscribe({ topic: TOPICS.keys, groupIdPrefix: 'orders-service.keys', onRecord });
 * ```
 */
export interface EventSubscriptionOptions {
  topic: string;
  groupIdPrefix: string;
  onRecord: (record: EventRecord) => Promise<void>;
  /**
   * Optional hint, called with the records of each fetched batch before `onRecord` is called for them one by one,
   * in order: a subscriber may start, for all of them at once, work that does not depend on the records before
   * (a signature check). `onRecord` must still be right if it was never called. Must not throw.
   */
  readAhead?: (records: readonly EventRecord[]) => void;
  /**
   * Where to start instead of the beginning, asked once before the first read: per partition, the first offset to
   * read (decimal), e.g. the end of what a verified snapshot covers; `undefined`: from the beginning.
   */
  startFrom?: () => Promise<Readonly<Record<number, string>> | undefined>;
}

/**
 * One topic read from the beginning into local state, and followed from then on.
 *
 * @example
 * ```ts
 * await subscription.start();
 * await subscription.whenCaughtUp();
 * ```
 */
export interface EventSubscription {
  /** True once every record present at start has gone through `onRecord`. */
  readonly caughtUp: boolean;
  /** True between `start()` and `stop()`, unless the reader failed for good. */
  readonly running: boolean;
  start(): Promise<void>;
  /** Resolves once caught up; rejects if the reader stops or fails for good before that. */
  whenCaughtUp(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Port: where security events come from. The Kafka adapter (`KafkaEventSource` of `@app/events/kafka`) is the
 * production one; the port keeps the consumers' cores free of any Kafka client.
 *
 * @example
 * ```ts
 * const source: EventSource = new KafkaEventSource(new KafkaConnection({ brokers, clientId }));
 * ```
 */
export interface EventSource {
  subscribe(options: EventSubscriptionOptions): EventSubscription;
}
