import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { describeError } from '../describe-error.js';
import type { EventLogger } from '../event-logger.js';
import type { EventRecord } from '../event-record.js';
import { ThrottledWarnings } from '../throttled-warnings.js';
import { kafkaClientOf, type KafkaConnection } from './kafka-connection.js';

/**
 * Options of a {@link TopicReader}.
 *
 * @example
 * ```ts
 * const options: TopicReaderOptions = { topic: TOPICS.revocations, groupIdPrefix: 'orders-service', onRecord };
 * ```
 */
export interface TopicReaderOptions {
  topic: string;
  /** The consumer group is `${groupIdPrefix}.${randomUUID()}`: every instance reads the whole topic. */
  groupIdPrefix: string;
  /**
   * Called once per record, in offset order per partition. Throwing means "transient, try again": the same record
   * is delivered again after a backoff, until it succeeds or the reader stops. Swallow (and count) bad events.
   */
  onRecord: (record: EventRecord) => Promise<void>;
  /**
   * Optional hint (the `readAhead` of an event subscription): called with the records of each fetched batch not yet
   * handed to `onRecord`, before they are, so their independent work can start at once. Must not throw.
   */
  readAhead?: (records: readonly EventRecord[]) => void;
  /** Backoff after `onRecord` throws: doubles from `initialMs` (default 100) up to `maxMs` (default 5000). */
  retryBackoff?: { initialMs?: number; maxMs?: number };
  /** Fetch long-poll bound; new records are returned as soon as they land (minBytes 1). Default 100. */
  maxWaitTimeInMs?: number;
  /**
   * Where to start instead of the beginning, asked once before the first read: per partition, the first offset to
   * read (decimal), e.g. the end of what a verified snapshot covers. `undefined`, or a partition it does not name:
   * from the beginning. An offset past the partition's end is ignored (the topic was recreated): from the beginning.
   */
  startFrom?: () => Promise<Readonly<Record<number, string>> | undefined>;
}

type ReaderState = 'idle' | 'running' | 'recovering' | 'stopped';

/**
 * Between attempts to start a consumer (broker away, topic missing) and before replacing a crashed one: 200 ms
 * doubling to at most 1 s, so a broker that is back is found within about a second of it listening.
 */
const STARTUP_BACKOFF_MS = { initial: 200, max: 1000 };
/**
 * The consumer's own retries (fetch, heartbeat, join): at most 1 s apart. After the last one kafkajs crashes the
 * consumer and the reader replaces it ({@link TopicReader}).
 */
const CONSUMER_RETRY = { initialRetryTime: 100, maxRetryTime: 1000, retries: 5 } as const;
const LOW_WATERMARK_RECHECK_MS = 1000;
const HEARTBEAT_SLICE_MS = 1000;

/**
 * Reads a whole topic from the beginning into local state (a revocation index, a key set) and keeps following it.
 *
 * - A consumer group of its own (`${groupIdPrefix}.${uuid}`, a new one for each replacement consumer),
 *   `fromBeginning`, no offset commits.
 * - Caught up once every record below the high watermarks taken at start has been handed to `onRecord`
 *   (an empty topic is caught up as soon as the consumer has joined; records deleted by retention meanwhile
 *   are not waited for).
 * - `onRecord` failures are retried after a backoff, never skipped; the group keeps heartbeating meanwhile.
 * - Broker loss is retried forever: the consumer retries at most 1 s apart; once the Kafka client gives up (it
 *   crashes the consumer, a broker outage longer than a few seconds) the reader replaces the consumer at once (at
 *   most 1 s apart while it cannot start) with one in a **new** group, positioned just after the last record
 *   handed to `onRecord`: nothing is handed twice, nothing is read again, and `running` and `caughtUp` stay true.
 *   Rejoining the old group would wait for the crashed member's session to expire on the broker (6 s and more)
 *   before fetching anything; a new group is joined at once.
 * - While the broker is away, at most one warning a minute per reader (the rest at debug).
 * - The reader never creates its topic: while the topic is missing it keeps waiting (and is not caught up).
 * - A crash the Kafka client does not restart from (kafkajs gives up on some errors, e.g. no group coordinator
 *   during a long outage, or an authorization failure) does not end the reader: it starts a new consumer (in a new
 *   group, at the same position) after a backoff, for as long as it runs, and must catch up again (to the high
 *   watermarks of that moment) before `caughtUp` is true again. Meanwhile `running` is false, so readiness and
 *   fail-closed services see the gap.
 * - `running` turns false after `stop()`, and while a consumer kafkajs gave up on is being replaced.
 *
 * @example
 * ```ts
 * const reader = new TopicReader(connection, {
 *   topic: TOPICS.revocations,
 *   groupIdPrefix: 'orders-service.revocations',
 *   onRecord: async (record) => index.apply(record),
 * }, logger);
 * await reader.start();
 * await reader.whenCaughtUp(); // readiness
 * // ... on shutdown
 * await reader.stop();
 * ```
 */
export class TopicReader {
  private readonly groupIdPrefix: string;
  private readonly topic: string;
  private readonly onRecord: (record: EventRecord) => Promise<void>;
  private readonly readAhead: ((records: readonly EventRecord[]) => void) | undefined;
  private readonly logger: EventLogger;
  private readonly kafka: Kafka;
  private readonly maxWaitTimeInMs: number;
  private consumer: Consumer;
  private readonly admin: Admin;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly abort = new AbortController();
  private readonly caughtUpSignal: Deferred;
  private readonly warnings: ThrottledWarnings;
  private currentGroupId: string;
  /** Consumers replaced in a row without one joining its group: the replacement backoff. */
  private failedReplacements = 0;
  private replacing = false;
  private state: ReaderState = 'idle';
  private startup: Promise<void> | undefined;
  private recovery: Promise<void> | undefined;
  /** Last offset handed to onRecord successfully, per partition. */
  private readonly delivered = new Map<number, bigint>();
  /** Last offset to reach per non-empty partition, from the high watermarks taken at start. */
  private targets: Map<number, bigint> | undefined;
  private joined = false;
  private isCaughtUp = false;
  private readonly startFrom: TopicReaderOptions['startFrom'];
  /** The start offsets, once asked (a replacement consumer starts from what was delivered instead). */
  private startOffsets: Promise<Map<number, bigint>> | undefined;

  constructor(connection: KafkaConnection, options: TopicReaderOptions, logger?: EventLogger) {
    assertOptions(options);
    this.topic = options.topic;
    this.onRecord = options.onRecord;
    this.readAhead = options.readAhead;
    this.logger = logger ?? connection.logger;
    this.backoff = { initialMs: options.retryBackoff?.initialMs ?? 100, maxMs: options.retryBackoff?.maxMs ?? 5000 };
    this.groupIdPrefix = options.groupIdPrefix;
    this.currentGroupId = this.newGroupId();
    this.warnings = new ThrottledWarnings(this.logger);
    this.caughtUpSignal = deferred();
    this.kafka = kafkaClientOf(connection);
    this.maxWaitTimeInMs = options.maxWaitTimeInMs ?? 100;
    this.startFrom = options.startFrom;
    this.admin = this.kafka.admin({ retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 2 } });
    this.consumer = this.newConsumer();
  }

  /** `${groupIdPrefix}.${uuid}` of the current consumer: unique to this instance, new for each replacement. */
  get groupId(): string {
    return this.currentGroupId;
  }

  /**
   * True once everything present at start (or at the last recovery from a crash) has been handed to `onRecord`.
   *
   * @example
   * ```ts
   * const ready = reader.caughtUp; // readiness probe
   * ```
   */
  get caughtUp(): boolean {
    return this.isCaughtUp;
  }

  /**
   * True between `start()` and `stop()`, except while a crashed consumer is being replaced.
   *
   * @example
   * ```ts
   * if (!reader.running) logger.error('revocation feed is down');
   * ```
   */
  get running(): boolean {
    return this.state === 'running';
  }

  /**
   * Starts reading in the background and resolves at once: connecting, waiting for the topic to exist and broker
   * outages are retried (and logged) until `stop()`. Watch `caughtUp` / `whenCaughtUp()` for readiness.
   *
   * @example
   * ```ts
   * await reader.start();
   * ```
   */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new TypeError('TopicReader.start() may be called once');
    this.state = 'running';
    this.logger.info('topic reader starting', { topic: this.topic, groupId: this.groupId });
    this.startup = this.startConsuming().catch((error: unknown) => {
      // Only a failing disconnect can get here; the reader must not turn it into an unhandled rejection.
      this.logger.error('topic reader startup failed', {
        topic: this.topic,
        groupId: this.groupId,
        error: describeError(error),
      });
    });
  }

  /**
   * Resolves once caught up; rejects if the reader stops before that.
   *
   * @example
   * ```ts
   * await reader.whenCaughtUp();
   * ```
   */
  whenCaughtUp(): Promise<void> {
    return this.caughtUpSignal.promise;
  }

  /**
   * Stops reading and disconnects; an `onRecord` retry in progress is abandoned. Safe to call more than once.
   *
   * @example
   * ```ts
   * await reader.stop();
   * ```
   */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasStarted = this.state !== 'idle';
    this.state = 'stopped';
    this.abort.abort();
    this.caughtUpSignal.reject(new Error('TopicReader stopped before catching up'));
    if (!wasStarted) return;
    await this.startup;
    await this.recovery;
    await this.consumer.disconnect();
    await this.admin.disconnect();
    this.logger.info('topic reader stopped', { topic: this.topic, groupId: this.groupId });
  }

  /** Starts `this.consumer`, retrying until it runs; gives up once the reader stops or replaces that consumer. */
  private async startConsuming(): Promise<void> {
    const consumer = this.consumer;
    const current = (): boolean => this.state === 'running' && consumer === this.consumer;
    for (let attempt = 0; current(); attempt += 1) {
      try {
        // A replacement consumer of a caught-up reader has nothing to catch up to.
        if (!this.isCaughtUp) {
          await this.admin.connect();
          const offsets = await this.admin.fetchTopicOffsets(this.topic);
          this.targets = this.targetsOf(offsets);
          // Records below a start position count as delivered: the consumer seeks past them once it joins.
          await this.applyStartPositions(offsets);
        }
        await consumer.connect();
        await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: (p) => this.eachBatch(p),
        });
        this.checkCaughtUp();
        await this.watchLowWatermarks(current);
        return;
      } catch (error) {
        if (!current()) return;
        this.warnings.warn('topic reader cannot start yet, retrying', {
          topic: this.topic,
          groupId: this.groupId,
          attempt,
          error: describeError(error),
        });
        await consumer.disconnect();
        await sleep(backoffMs(attempt, STARTUP_BACKOFF_MS.initial, STARTUP_BACKOFF_MS.max), this.abort.signal);
      }
    }
  }

  /** From the partitions' watermarks (fetching them fails, so startup retries, while the topic does not exist). */
  private targetsOf(offsets: readonly PartitionOffsets[]): Map<number, bigint> {
    const targets = new Map<number, bigint>();
    for (const { partition, high, low } of offsets) {
      if (BigInt(high) > BigInt(low)) targets.set(partition, BigInt(high) - 1n);
    }
    this.logger.debug('topic reader targets', {
      topic: this.topic,
      partitions: offsets.length,
      nonEmpty: targets.size,
    });
    return targets;
  }

  /**
   * The start positions, asked once: records below them count as delivered. A failing `startFrom` means from the
   * beginning; so does a position past the partition's end (the topic was recreated: skipping to it would skip
   * records never seen) or at or below its start.
   */
  private async applyStartPositions(offsets: readonly PartitionOffsets[]): Promise<void> {
    if (this.startFrom === undefined) return;
    this.startOffsets ??= this.startFrom().then(
      (positions) => new Map(Object.entries(positions ?? {}).map(([p, o]) => [Number(p), BigInt(o)])),
      (error: unknown) => {
        this.logger.warn('topic reader start offsets unavailable; reading from the beginning', {
          topic: this.topic,
          error: describeError(error),
        });
        return new Map<number, bigint>();
      },
    );
    const wanted = await this.startOffsets;
    const beyondEnd = offsets.filter(({ partition, high }) => (wanted.get(partition) ?? 0n) > BigInt(high));
    if (beyondEnd.length > 0) {
      this.logger.warn(
        'topic reader start offsets past the end of the topic; reading those partitions from the start',
        {
          topic: this.topic,
          partitions: beyondEnd.map(({ partition }) => partition),
        },
      );
    }
    let positioned = 0;
    for (const { partition, high, low } of offsets) {
      const offset = wanted.get(partition);
      if (offset === undefined || offset > BigInt(high) || offset <= BigInt(low)) continue;
      const before = offset - 1n;
      if (before > (this.delivered.get(partition) ?? -1n)) this.delivered.set(partition, before);
      positioned += 1;
    }
    if (positioned > 0) this.logger.info('topic reader starts from given offsets', { topic: this.topic, positioned });
  }

  /** Retention may delete records we wait for: a partition whose low watermark passed its target is done. */
  private async watchLowWatermarks(current: () => boolean): Promise<void> {
    if (this.isCaughtUp) return;
    while (current() && !this.isCaughtUp) {
      await sleep(LOW_WATERMARK_RECHECK_MS, this.abort.signal);
      if (!current() || this.isCaughtUp) break;
      try {
        const offsets = await this.admin.fetchTopicOffsets(this.topic);
        for (const { partition, low } of offsets) {
          const target = this.targets?.get(partition);
          if (target !== undefined && BigInt(low) > target) this.targets?.delete(partition);
        }
        this.checkCaughtUp();
      } catch (error) {
        this.logger.debug('topic reader cannot re-check low watermarks', {
          topic: this.topic,
          error: describeError(error),
        });
      }
    }
    // A replacement consumer's start uses the admin client now.
    if (current()) await this.admin.disconnect();
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    // The payload's functions are closures, not methods that need their object.
    /* eslint-disable @typescript-eslint/unbound-method */
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    /* eslint-enable @typescript-eslint/unbound-method */
    const { partition } = batch;
    const last = this.delivered.get(partition) ?? -1n;
    const records = batch.messages.map((message) => toRecord(batch.topic, partition, message));
    this.readAhead?.(records.filter((record) => BigInt(record.offset) > last));
    for (const record of records) {
      if (!isRunning() || isStale() || this.state !== 'running') return;
      const offset = BigInt(record.offset);
      if (offset > (this.delivered.get(partition) ?? -1n)) {
        const done = await this.deliver(record, heartbeat, () => isRunning() && !isStale());
        if (!done) return;
        this.delivered.set(partition, offset);
      }
      resolveOffset(record.offset);
      this.checkCaughtUp();
    }
    await heartbeat();
  }

  /** Hands one record to onRecord until it succeeds; false when the reader stops (or the batch goes stale) first. */
  private async deliver(record: EventRecord, heartbeat: () => Promise<void>, active: () => boolean): Promise<boolean> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.onRecord(record);
        return true;
      } catch (error) {
        const delay = backoffMs(attempt, this.backoff.initialMs, this.backoff.maxMs);
        this.logger.warn('onRecord failed, retrying the same record', {
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          attempt,
          retryInMs: delay,
          error: describeError(error),
        });
        for (let waited = 0; waited < delay; waited += HEARTBEAT_SLICE_MS) {
          await sleep(Math.min(HEARTBEAT_SLICE_MS, delay - waited), this.abort.signal);
          if (this.state !== 'running' || !active()) return false;
          await heartbeat();
        }
      }
    }
  }

  /**
   * Runs before the first fetch of the (re)joined consumer: a replacement consumer in its new group starts just
   * after the last record handed to `onRecord` instead of at the beginning. Seeking a partition the consumer was not
   * assigned is ignored by the client.
   */
  private onJoined(consumer: Consumer): void {
    if (consumer !== this.consumer) return;
    this.failedReplacements = 0;
    for (const [partition, offset] of this.delivered) {
      consumer.seek({ topic: this.topic, partition, offset: (offset + 1n).toString() });
    }
    this.joined = true;
    this.checkCaughtUp();
  }

  /** Batches made only of control records never reach eachBatch; they still move the position. */
  private onBatchEnd(partition: number, batchSize: number, lastOffset: string): void {
    if (batchSize !== 0) return;
    const offset = BigInt(lastOffset);
    if (offset > (this.delivered.get(partition) ?? -1n)) this.delivered.set(partition, offset);
    this.checkCaughtUp();
  }

  /**
   * `transient`: kafkajs would have restarted the consumer itself (broker gone, coordinator moving), but in the same
   * group; the reader replaces it and stays running and caught up. Otherwise kafkajs gave up: the reader replaces it
   * too, but is not running until the new consumer has caught up again.
   */
  private onCrash(consumer: Consumer, error: Error, transient: boolean): void {
    if (consumer !== this.consumer || this.state !== 'running' || this.replacing) return;
    this.replacing = true;
    const fields = { topic: this.topic, groupId: this.groupId, error: describeError(error) };
    if (transient) {
      this.warnings.warn('topic reader lost the broker; replacing its consumer', fields);
    } else {
      this.state = 'recovering';
      this.logger.error('topic reader consumer crashed; starting a new one', fields);
    }
    this.recovery = this.replaceConsumer(transient).catch((failure: unknown) => {
      this.logger.error('topic reader recovery failed', { topic: this.topic, error: describeError(failure) });
    });
  }

  /**
   * A new consumer in a new group, at the position reached ({@link onJoined}); after a crash kafkajs would not
   * restart from, it must catch up again before the reader counts as caught up.
   */
  private async replaceConsumer(transient: boolean): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
    const delay = backoffMs(this.failedReplacements, STARTUP_BACKOFF_MS.initial, STARTUP_BACKOFF_MS.max);
    this.failedReplacements += 1;
    await sleep(delay, this.abort.signal);
    if (this.state !== (transient ? 'running' : 'recovering')) return;
    this.currentGroupId = this.newGroupId();
    this.consumer = this.newConsumer();
    this.replacing = false;
    this.joined = false;
    if (!transient) {
      this.targets = undefined;
      this.isCaughtUp = false;
      this.state = 'running';
    }
    this.startup = this.startConsuming();
    await this.startup;
  }

  private newGroupId(): string {
    return `${this.groupIdPrefix}.${randomUUID()}`;
  }

  private newConsumer(): Consumer {
    // kafkajs asks this only about errors it would restart from; the reader restarts instead, in a new group.
    let transient = false;
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: 6000,
      rebalanceTimeout: 10000,
      heartbeatInterval: 1000,
      minBytes: 1,
      maxWaitTimeInMs: this.maxWaitTimeInMs,
      allowAutoTopicCreation: false,
      retry: {
        ...CONSUMER_RETRY,
        restartOnFailure: async () => {
          transient = true;
          return false;
        },
      },
    });
    consumer.on(consumer.events.GROUP_JOIN, () => this.onJoined(consumer));
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) =>
      this.onBatchEnd(payload.partition, payload.batchSize, payload.lastOffset),
    );
    consumer.on(consumer.events.CRASH, ({ payload }) => this.onCrash(consumer, payload.error, transient));
    return consumer;
  }

  private checkCaughtUp(): void {
    if (this.isCaughtUp || !this.joined || this.targets === undefined) return;
    for (const [partition, target] of this.targets) {
      if ((this.delivered.get(partition) ?? -1n) < target) return;
    }
    this.isCaughtUp = true;
    this.logger.info('topic reader caught up', { topic: this.topic, groupId: this.groupId });
    this.caughtUpSignal.resolve();
  }
}

function assertOptions(options: TopicReaderOptions): void {
  const { topic, groupIdPrefix, onRecord, readAhead, retryBackoff, maxWaitTimeInMs, startFrom } = options ?? {};
  if (startFrom !== undefined && typeof startFrom !== 'function') {
    throw new TypeError('TopicReader: "startFrom" must be a function');
  }
  if (typeof topic !== 'string' || topic === '') throw new TypeError('TopicReader: "topic" is required');
  if (typeof groupIdPrefix !== 'string' || groupIdPrefix === '') {
    throw new TypeError('TopicReader: "groupIdPrefix" is required');
  }
  if (typeof onRecord !== 'function') throw new TypeError('TopicReader: "onRecord" must be a function');
  if (readAhead !== undefined && typeof readAhead !== 'function') {
    throw new TypeError('TopicReader: "readAhead" must be a function');
  }
  for (const [name, value] of Object.entries({ ...retryBackoff, maxWaitTimeInMs })) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw new TypeError(`TopicReader: "${name}" must be a non-negative integer`);
    }
  }
}

function toRecord(topic: string, partition: number, message: KafkaMessage): EventRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key === null ? null : message.key.toString('utf8'),
    value: message.value === null ? null : message.value.toString('utf8'),
  };
}

function backoffMs(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

interface PartitionOffsets {
  partition: number;
  high: string;
  low: string;
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody has to await whenCaughtUp(): an unobserved rejection must not crash the process.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
