import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { describeError } from '../describe-error.js';
import type { EventLogger } from '../event-logger.js';
import type { EventRecord } from '../event-record.js';
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
  /** Backoff after `onRecord` throws: doubles from `initialMs` (default 100) up to `maxMs` (default 5000). */
  retryBackoff?: { initialMs?: number; maxMs?: number };
  /** Fetch long-poll bound; new records are returned as soon as they land (minBytes 1). Default 100. */
  maxWaitTimeInMs?: number;
}

type ReaderState = 'idle' | 'running' | 'recovering' | 'stopped';

const STARTUP_BACKOFF_MS = { initial: 200, max: 5000 };
const LOW_WATERMARK_RECHECK_MS = 1000;
const HEARTBEAT_SLICE_MS = 1000;

/**
 * Reads a whole topic from the beginning into local state (a revocation index, a key set) and keeps following it.
 *
 * - One consumer group per instance (`${groupIdPrefix}.${uuid}`), `fromBeginning`, no offset commits.
 * - Caught up once every record below the high watermarks taken at start has been handed to `onRecord`
 *   (an empty topic is caught up as soon as the consumer has joined; records deleted by retention meanwhile
 *   are not waited for).
 * - `onRecord` failures are retried after a backoff, never skipped; the group keeps heartbeating meanwhile.
 * - Broker loss is retried forever (the Kafka client restarts the consumer); a record already handed to `onRecord`
 *   successfully is not handed again after such a restart.
 * - The reader never creates its topic: while the topic is missing it keeps waiting (and is not caught up).
 * - A crash the Kafka client does not restart from (kafkajs gives up on some errors, e.g. no group coordinator
 *   during a long outage, or an authorization failure) does not end the reader: it starts a new consumer after a
 *   backoff, for as long as it runs, and must catch up again (to the high watermarks of that moment) before
 *   `caughtUp` is true again. Meanwhile `running` is false, so readiness and fail-closed services see the gap.
 * - `running` turns false after `stop()`, and while a crashed consumer is being replaced.
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
  /** `${groupIdPrefix}.${uuid}`: unique to this instance. */
  readonly groupId: string;
  private readonly topic: string;
  private readonly onRecord: (record: EventRecord) => Promise<void>;
  private readonly logger: EventLogger;
  private readonly kafka: Kafka;
  private readonly maxWaitTimeInMs: number;
  private consumer: Consumer;
  private readonly admin: Admin;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly abort = new AbortController();
  private readonly caughtUpSignal: Deferred;
  private state: ReaderState = 'idle';
  private startup: Promise<void> | undefined;
  private recovery: Promise<void> | undefined;
  /** Last offset handed to onRecord successfully, per partition. */
  private readonly delivered = new Map<number, bigint>();
  /** Last offset to reach per non-empty partition, from the high watermarks taken at start. */
  private targets: Map<number, bigint> | undefined;
  private joined = false;
  private isCaughtUp = false;

  constructor(connection: KafkaConnection, options: TopicReaderOptions, logger?: EventLogger) {
    assertOptions(options);
    this.topic = options.topic;
    this.onRecord = options.onRecord;
    this.logger = logger ?? connection.logger;
    this.backoff = { initialMs: options.retryBackoff?.initialMs ?? 100, maxMs: options.retryBackoff?.maxMs ?? 5000 };
    this.groupId = `${options.groupIdPrefix}.${randomUUID()}`;
    this.caughtUpSignal = deferred();
    this.kafka = kafkaClientOf(connection);
    this.maxWaitTimeInMs = options.maxWaitTimeInMs ?? 100;
    this.admin = this.kafka.admin({ retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 2 } });
    this.consumer = this.newConsumer();
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

  private async startConsuming(): Promise<void> {
    for (let attempt = 0; this.state === 'running'; attempt += 1) {
      try {
        await this.admin.connect();
        this.targets = await this.fetchTargets();
        await this.consumer.connect();
        await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true });
        await this.consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: (p) => this.eachBatch(p),
        });
        this.checkCaughtUp();
        await this.watchLowWatermarks();
        return;
      } catch (error) {
        if (this.state !== 'running') return;
        this.logger.warn('topic reader cannot start yet, retrying', {
          topic: this.topic,
          groupId: this.groupId,
          attempt,
          error: describeError(error),
        });
        await this.consumer.disconnect();
        await sleep(backoffMs(attempt, STARTUP_BACKOFF_MS.initial, STARTUP_BACKOFF_MS.max), this.abort.signal);
      }
    }
  }

  /** Fails (so startup retries) while the topic does not exist. */
  private async fetchTargets(): Promise<Map<number, bigint>> {
    const offsets = await this.admin.fetchTopicOffsets(this.topic);
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

  /** Retention may delete records we wait for: a partition whose low watermark passed its target is done. */
  private async watchLowWatermarks(): Promise<void> {
    while (this.state === 'running' && !this.isCaughtUp) {
      await sleep(LOW_WATERMARK_RECHECK_MS, this.abort.signal);
      if (this.state !== 'running' || this.isCaughtUp) break;
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
    await this.admin.disconnect();
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    // The payload's functions are closures, not methods that need their object.
    /* eslint-disable @typescript-eslint/unbound-method */
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    /* eslint-enable @typescript-eslint/unbound-method */
    const { partition } = batch;
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || this.state !== 'running') return;
      const offset = BigInt(message.offset);
      const last = this.delivered.get(partition);
      if (last === undefined || offset > last) {
        const done = await this.deliver(
          toRecord(batch.topic, partition, message),
          heartbeat,
          () => isRunning() && !isStale(),
        );
        if (!done) return;
        this.delivered.set(partition, offset);
      }
      resolveOffset(message.offset);
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

  private onJoined(): void {
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

  private onCrash(error: Error, restart: boolean): void {
    if (restart || this.state !== 'running') return;
    this.state = 'recovering';
    this.logger.error('topic reader consumer crashed; starting a new one', {
      topic: this.topic,
      groupId: this.groupId,
      error: describeError(error),
    });
    this.recovery = this.recover().catch((failure: unknown) => {
      this.logger.error('topic reader recovery failed', { topic: this.topic, error: describeError(failure) });
    });
  }

  /** A new consumer in the same group, caught up again before the reader counts as caught up. */
  private async recover(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
    await sleep(STARTUP_BACKOFF_MS.max, this.abort.signal);
    if (this.state !== 'recovering') return;
    this.consumer = this.newConsumer();
    this.joined = false;
    this.targets = undefined;
    this.isCaughtUp = false;
    this.state = 'running';
    this.startup = this.startConsuming();
    await this.startup;
  }

  private newConsumer(): Consumer {
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: 6000,
      rebalanceTimeout: 10000,
      heartbeatInterval: 1000,
      minBytes: 1,
      maxWaitTimeInMs: this.maxWaitTimeInMs,
      allowAutoTopicCreation: false,
      retry: {
        initialRetryTime: 100,
        maxRetryTime: 2000,
        retries: 5,
        // Transient failures (broker gone, coordinator moving) restart the consumer for as long as we run.
        restartOnFailure: async () => this.state === 'running',
      },
    });
    consumer.on(consumer.events.GROUP_JOIN, () => this.onJoined());
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) =>
      this.onBatchEnd(payload.partition, payload.batchSize, payload.lastOffset),
    );
    consumer.on(consumer.events.CRASH, ({ payload }) => this.onCrash(payload.error, payload.restart));
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
  const { topic, groupIdPrefix, onRecord, retryBackoff, maxWaitTimeInMs } = options ?? {};
  if (typeof topic !== 'string' || topic === '') throw new TypeError('TopicReader: "topic" is required');
  if (typeof groupIdPrefix !== 'string' || groupIdPrefix === '') {
    throw new TypeError('TopicReader: "groupIdPrefix" is required');
  }
  if (typeof onRecord !== 'function') throw new TypeError('TopicReader: "onRecord" must be a function');
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
